/* pack.h: the weight layout each spec's kernel reads: its size, the packer and unpacker, and
 * the per-thread scratch the kernel needs. */
#ifndef TRIT_KERNEL_PACK_H
#define TRIT_KERNEL_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"

/* bytes of the packed weights of a legal spec */
size_t pack_size(const struct kernel_spec *s);
/* scratch bytes a kernel of this spec needs per calling thread (LUTs); may be 0 */
size_t kernel_scratch_size(const struct kernel_spec *s);
/* packs t (m×k, row-major, values -1/0/+1) into out (pack_size bytes) */
void pack_weights(const struct kernel_spec *s, const int8_t *t, uint8_t *out);
/* unpacks back to t (m×k) */
void unpack_weights(const struct kernel_spec *s, const uint8_t *packed, int8_t *t);

#endif
