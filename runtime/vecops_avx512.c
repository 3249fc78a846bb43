/* vecops_avx512.c: the output layer's F16 row dot for four tokens at once, which needs AVX-512VL's
 * 32 vector registers to keep its 16 accumulators (the instructions are AVX2, FMA and F16C ones). */
#include "runtime/vecops_forms.h"

#ifdef ISA_X86
__attribute__((target("avx2,fma,f16c,avx512f,avx512vl"))) static void dot_f16_x4_avx512vl(const uint16_t *w,
                                                                                          const float *const h[4],
                                                                                          int64_t n, float out[4])
{
	__m256 a[4][4];
#pragma GCC unroll 4
	for (int t = 0; t < 4; t++)
#pragma GCC unroll 4
		for (int u = 0; u < 4; u++)
			a[t][u] = _mm256_setzero_ps();
	int64_t i = 0;
	for (; i + 32 <= n; i += 32)
#pragma GCC unroll 4
		for (int u = 0; u < 4; u++) {
			__m256 wv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 8 * u)));
#pragma GCC unroll 4
			for (int t = 0; t < 4; t++)
				a[t][u] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(h[t] + i + 8 * u), a[t][u]);
		}
	for (; i + 8 <= n; i += 8) {
		__m256 wv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i)));
#pragma GCC unroll 4
		for (int t = 0; t < 4; t++)
			a[t][0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(h[t] + i), a[t][0]);
	}
#pragma GCC unroll 4
	for (int t = 0; t < 4; t++) {
		float s = hsum256(_mm256_add_ps(_mm256_add_ps(a[t][0], a[t][1]), _mm256_add_ps(a[t][2], a[t][3])));
		for (int64_t k = i; k < n; k++)
			s += vecops_f16_table[w[k]] * h[t][k];
		out[t] = s;
	}
}

void vecops_set_avx512(void *t) { ((struct vecops *)t)->dot_f16_x4 = dot_f16_x4_avx512vl; }
#endif
