/* ref.h: the scalar reference kernels that define what every kernel computes. */
#ifndef TRIT_KERNEL_REF_H
#define TRIT_KERNEL_REF_H

#include <stdint.h>

#include "ir/ir.h"
#include "kernel/abi.h"

/* the scalar reference kernel of s's kind, reading the packed layout (TL kinds through their
 * int16 LUTs, exactly as the generated code does) */
void ref_kernel(const struct kernel_spec *s, const struct kernel_args *a);
/* the plain definition: y[t][r] = sum_k t[r][k]*x[t][k] over an unpacked m×k ternary matrix */
void ref_dense(const int8_t *t, int32_t m, int32_t k, const int8_t *x, int64_t ldx, int32_t n,
               int32_t *y, int64_t ldy);

#endif
