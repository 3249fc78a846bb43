/* quant_act_avx2.c: quantize_act with AVX2, 8 floats a step. */
#include "base/isa_table.h"
#include "kernel/quant_act_forms.h"

#ifdef ISA_X86
#include <immintrin.h>

__attribute__((target("avx2"))) static float quantize_act_avx2(const float *x, int64_t k, int8_t *q)
{
	const __m256 inf = _mm256_set1_ps(INFINITY);
	const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
	__m256 m = _mm256_set1_ps(1e-5f);
	int64_t i = 0;
	for (; i + 8 <= k; i += 8) {
		__m256 a = _mm256_and_ps(_mm256_loadu_ps(x + i), absmask);
		__m256 fin = _mm256_cmp_ps(a, inf, _CMP_LT_OQ);
		m = _mm256_max_ps(m, _mm256_and_ps(a, fin)); /* non-finite lanes become 0, below 1e-5 */
	}
	float lanes[8], amax = 1e-5f;
	_mm256_storeu_ps(lanes, m);
	for (int l = 0; l < 8; l++)
		amax = lanes[l] > amax ? lanes[l] : amax;
	for (; i < k; i++) {
		float a = fabsf(x[i]);
		if (isfinite(a) && a > amax)
			amax = a;
	}
	float s = 127.0f / amax;
	const __m256 vs = _mm256_set1_ps(s), hi = _mm256_set1_ps(127.0f), lo = _mm256_set1_ps(-127.0f);
	for (i = 0; i + 8 <= k; i += 8) {
		__m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vs);
		__m256 ord = _mm256_cmp_ps(v, v, _CMP_ORD_Q);
		v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
		v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		__m256i iv = _mm256_and_si256(_mm256_cvtps_epi32(v), _mm256_castps_si256(ord));
		__m128i p = _mm_packs_epi32(_mm256_castsi256_si128(iv), _mm256_extracti128_si256(iv, 1));
		_mm_storel_epi64((__m128i *)(q + i), _mm_packs_epi16(p, p));
	}
	for (; i < k; i++)
		q[i] = quant_one(x[i], s);
	return s;
}

void quant_act_set_avx2(void *t) { ((struct quant_act_table *)t)->quantize = quantize_act_avx2; }
#endif
