/* avx2_ref.h: hand-written AVX2 intrinsics I2S kernels (GEMV and GEMM) in the style bitnet.cpp's
 * I2_S path uses — 2-bit codes unpacked with shifts and masks, pmaddubsw against the int8
 * activations, int16 partial sums widened every 16 blocks, one row at a time — reading OUR I2S
 * layout (docs/kernels.md §2). A baseline for `trit bench --kernels`; bit-exact with ref_kernel
 * for activations in [-127, 127] (what quantize_act produces). Compiled with a target attribute,
 * so no global -mavx2 is needed; call only when avx2_ref_available(). */
#ifndef TRIT_AVX2_REF_H
#define TRIT_AVX2_REF_H

#include <stdint.h>

#include "kernel/kernel.h"

/* 1 when this build and CPU can run the AVX2 reference kernels */
int avx2_ref_available(void);
/* one token: y[r] = sum_k W[r][k]*x[k] for rows [row0, row1); w is the whole I2S-packed matrix,
 * k % 128 == 0 */
void avx2_i2s_gemv(const uint8_t *w, int32_t k, const int8_t *x, int32_t *y, int32_t row0, int32_t row1);
/* n tokens (token t at x + t*ldx, its outputs at y + t*ldy), rows [row0, row1); each unpacked
 * code vector is used for up to 4 tokens */
void avx2_i2s_gemm(const uint8_t *w, int32_t k, const int8_t *x, int64_t ldx, int32_t n, int32_t *y,
                   int64_t ldy, int32_t row0, int32_t row1);
/* the same as a kernel call: s must be an I2S spec (only s->k is used); a->n == 1 runs the GEMV */
void avx2_i2s_kernel(const struct kernel_spec *s, const struct kernel_args *a);

#endif
