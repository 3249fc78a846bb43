/* pack.c: kernel/kernel.h's packers, scratch sizes and reference kernels, dispatched by kind. */
#include <assert.h>

#include "kernel/kinds.h"

size_t pack_size(const struct kernel_spec *s)
{
	switch (s->kind) {
	case KIND_I2S: return i2s_pack_size(s->m, s->k);
	case KIND_TL1: return tl1_pack_size(s->m, s->k);
	case KIND_TL2: return tl2_pack_size(s->m, s->k);
	default: assert(!"unknown kernel kind"); return 0;
	}
}

size_t kernel_scratch_size(const struct kernel_spec *s)
{
	switch (s->kind) {
	case KIND_I2S: return s->isa == ISA_AMX ? i2s_amx_layout(s->k, s->n).total : 0;
	case KIND_TL1: return (size_t)s->n * lut_stride(tl1_lut_bytes(s->k));
	case KIND_TL2: return (size_t)s->n * lut_stride(tl2_lut_bytes(s->k));
	default: assert(!"unknown kernel kind"); return 0;
	}
}

void pack_weights(const struct kernel_spec *s, const int8_t *t, uint8_t *out)
{
	switch (s->kind) {
	case KIND_I2S: i2s_pack(t, s->m, s->k, out); break;
	case KIND_TL1: tl1_pack(t, s->m, s->k, out); break;
	case KIND_TL2: tl2_pack(t, s->m, s->k, out); break;
	default: assert(!"unknown kernel kind");
	}
}

void unpack_weights(const struct kernel_spec *s, const uint8_t *packed, int8_t *t)
{
	switch (s->kind) {
	case KIND_I2S: i2s_unpack(packed, s->m, s->k, t); break;
	case KIND_TL1: tl1_unpack(packed, s->m, s->k, t); break;
	case KIND_TL2: tl2_unpack(packed, s->m, s->k, t); break;
	default: assert(!"unknown kernel kind");
	}
}

void ref_kernel(const struct kernel_spec *s, const struct kernel_args *a)
{
	assert(a->n >= 1 && a->n <= s->n);
	assert(a->row0 >= 0 && a->row0 <= a->row1 && a->row1 <= s->m);
	assert(a->n == 1 || (a->ldx >= s->k && a->ldy >= s->m));
	switch (s->kind) {
	case KIND_I2S: i2s_ref(s, a); break;
	case KIND_TL1: tl1_ref(s, a); break;
	case KIND_TL2: tl2_ref(s, a); break;
	default: assert(!"unknown kernel kind");
	}
}
