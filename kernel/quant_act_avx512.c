/* quant_act_avx512.c: quantize_act with AVX-512 (F, BW, VL), 16 floats a step. */
#include "base/isa_table.h"
#include "kernel/quant_act_forms.h"

#ifdef ISA_X86
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw,avx512vl"))) static float quantize_act_avx512(const float *x, int64_t k,
                                                                                       int8_t *q)
{
	const __m512 inf = _mm512_set1_ps(INFINITY);
	const __m512i absmask = _mm512_set1_epi32(0x7fffffff);
	__m512 m = _mm512_set1_ps(1e-5f);
	int64_t i = 0;
	for (; i + 16 <= k; i += 16) {
		__m512 a = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(_mm512_loadu_ps(x + i)), absmask));
		m = _mm512_mask_max_ps(m, _mm512_cmp_ps_mask(a, inf, _CMP_LT_OQ), m, a); /* finite only */
	}
	float amax = _mm512_reduce_max_ps(m);
	for (; i < k; i++) {
		float a = fabsf(x[i]);
		if (isfinite(a) && a > amax)
			amax = a;
	}
	float s = 127.0f / amax;
	const __m512 vs = _mm512_set1_ps(s), hi = _mm512_set1_ps(127.0f), lo = _mm512_set1_ps(-127.0f);
	for (i = 0; i + 16 <= k; i += 16) {
		__m512 v = _mm512_mul_ps(_mm512_loadu_ps(x + i), vs);
		__mmask16 ord = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
		v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
		v = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		_mm_storeu_si128((__m128i *)(q + i), _mm512_cvtsepi32_epi8(_mm512_maskz_cvtps_epi32(ord, v)));
	}
	for (; i < k; i++)
		q[i] = quant_one(x[i], s);
	return s;
}

void quant_act_set_avx512(void *t) { ((struct quant_act_table *)t)->quantize = quantize_act_avx512; }
#endif
