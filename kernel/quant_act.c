/* quant_act.c: per-token activation quantization, the first half of the numerical contract
 * (docs/kernels.md §1). The SIMD forms compute exactly what the plain C form does (the same float
 * multiply, clamp and round-half-even per element; the maximum is order-independent). */
#include <math.h>
#include <pthread.h>

#include "base/cpu.h"
#include "kernel/kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86_QUANT 1
#endif

/* one element: x * s, clamped to +-127, rounded half to even; NaN (only a NaN x, s being finite and
 * positive) gives 0 */
static inline int8_t quant_one(float x, float s)
{
	float v = x * s;
	if (isnan(v))
		return 0;
	v = v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v;
	return (int8_t)nearbyintf(v);
}

float quantize_act_ref(const float *x, int64_t k, int8_t *q)
{
	float amax = 1e-5f;
	for (int64_t i = 0; i < k; i++) {
		float a = fabsf(x[i]);
		if (isfinite(a) && a > amax)
			amax = a;
	}
	float s = 127.0f / amax;
	for (int64_t i = 0; i < k; i++)
		q[i] = quant_one(x[i], s);
	return s;
}

#ifdef HAVE_X86_QUANT
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
#endif

typedef float (*quant_fn)(const float *x, int64_t k, int8_t *q);
static quant_fn quant_best = quantize_act_ref;
static pthread_once_t quant_once = PTHREAD_ONCE_INIT;

static void quant_pick(void)
{
#ifdef HAVE_X86_QUANT
	const struct cpu_info *c = cpu_host();
	if (c->avx512f && c->avx512bw && c->avx512vl)
		quant_best = quantize_act_avx512;
	else if (c->avx2)
		quant_best = quantize_act_avx2;
#endif
}

float quantize_act(const float *x, int64_t k, int8_t *q)
{
	pthread_once(&quant_once, quant_pick);
	return quant_best(x, k, q);
}

int quantize_act_forms(const float *x, int64_t k, int8_t *const q[3], float s[3])
{
	int n = 0;
	s[n] = quantize_act_ref(x, k, q[n]);
	n++;
#ifdef HAVE_X86_QUANT
	const struct cpu_info *c = cpu_host();
	if (c->avx2) {
		s[n] = quantize_act_avx2(x, k, q[n]);
		n++;
	}
	if (c->avx512f && c->avx512bw && c->avx512vl) {
		s[n] = quantize_act_avx512(x, k, q[n]);
		n++;
	}
#endif
	return n;
}
