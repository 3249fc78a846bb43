/* vecops_forms.h: the per-ISA forms of the forward pass's vector loops (vecops.h) behind
 * base/isa_table.h, each in its own file (vecops_scalar.c, vecops_avx2.c, vecops_avx512.c), and what
 * they share. */
#ifndef TRIT_VECOPS_FORMS_H
#define TRIT_VECOPS_FORMS_H

#include <stdint.h>

#include "base/isa_table.h"
#include "runtime/vecops.h"

#ifdef ISA_X86
#include <immintrin.h>
#define HEAD_PREFETCH 4096 /* bytes ahead */
#endif

/* F16 bits to float, filled by vecops_set_scalar() (which every table applies first); hidden, so the
 * loops reach it directly, not through the shared library's GOT, as when it was file-static */
extern float vecops_f16_table[65536] __attribute__((visibility("hidden")));

/* the setters of the forms (void * = struct vecops *) */
void vecops_set_scalar(void *t);
void vecops_set_avx2(void *t);   /* needs AVX2: sumsq, scale_mul, relu2_glu, dequant */
void vecops_set_f16c(void *t);   /* needs AVX2, F16C: to_f16 */
void vecops_set_fma(void *t);    /* needs AVX2, FMA, F16C: the row dots and attention */
void vecops_set_avx512(void *t); /* needs those and AVX-512 F, VL: dot_f16_x4 */

/* dequant in C: the plain form, and the SIMD form's tail */
static inline void vecops_dequant_c(const int32_t *acc, float scale, const float *bias, float *out, int add, long n)
{
	for (long r = 0; r < n; r++) {
		float v = (float)acc[r] * scale;
		if (bias)
			v += bias[r];
		out[r] = add ? out[r] + v : v;
	}
}

#ifdef ISA_X86
__attribute__((target("avx2,fma"))) static inline float hsum256(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}
#endif

#endif
