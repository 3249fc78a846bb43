/* vecops_avx2.c: the forward pass's vector loops with AVX2 (norm, GLU, dequantization), F16C (F16
 * stores) and FMA (row dots, attention), 8 floats a step. */
#include "base/half.h"
#include "runtime/vecops_forms.h"

#ifdef ISA_X86
__attribute__((target("avx2,fma,f16c"))) static float dot_f16_avx2(const uint16_t *w, const float *h, int64_t n)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	int64_t i = 0;
	for (; i + 32 <= n; i += 32) {
		/* output-layer rows stream from DRAM: one core reaches the bandwidth only with software prefetch
		 * (reading past the row is harmless: prefetches do not fault) */
		_mm_prefetch((const char *)(w + i) + HEAD_PREFETCH, _MM_HINT_T0);
		a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i))),
		                     _mm256_loadu_ps(h + i), a0);
		a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 8))),
		                     _mm256_loadu_ps(h + i + 8), a1);
		a2 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 16))),
		                     _mm256_loadu_ps(h + i + 16), a2);
		a3 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 24))),
		                     _mm256_loadu_ps(h + i + 24), a3);
	}
	for (; i + 8 <= n; i += 8)
		a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i))),
		                     _mm256_loadu_ps(h + i), a0);
	float s = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
	for (; i < n; i++)
		s += vecops_f16_table[w[i]] * h[i];
	return s;
}

__attribute__((target("avx2,fma"))) static float dot_f32_avx2(const float *w, const float *h, int64_t n)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	int64_t i = 0;
	for (; i + 32 <= n; i += 32) {
		a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(h + i), a0);
		a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(h + i + 8), a1);
		a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(h + i + 16), a2);
		a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(h + i + 24), a3);
	}
	for (; i + 8 <= n; i += 8)
		a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(h + i), a0);
	float s = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
	for (; i < n; i++)
		s += w[i] * h[i];
	return s;
}

__attribute__((target("avx2"))) static double sumsq_avx2(const float *x, int64_t n)
{
	__m256d lo = _mm256_setzero_pd(), hi = lo;
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) { /* no FMA: each square is rounded to double first, as in C */
		__m256d a = _mm256_cvtps_pd(_mm_loadu_ps(x + i)), b = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
		lo = _mm256_add_pd(lo, _mm256_mul_pd(a, a));
		hi = _mm256_add_pd(hi, _mm256_mul_pd(b, b));
	}
	double a[8];
	_mm256_storeu_pd(a, lo);
	_mm256_storeu_pd(a + 4, hi);
	for (; i < n; i++)
		a[i % 8] += (double)x[i] * (double)x[i];
	return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

__attribute__((target("avx2"))) static void scale_mul_avx2(const float *x, float scale, const float *w, float *y,
                                                            int64_t n)
{
	__m256 s = _mm256_set1_ps(scale);
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), s), _mm256_loadu_ps(w + i)));
	for (; i < n; i++)
		y[i] = x[i] * scale * w[i];
}

__attribute__((target("avx2"))) static void relu2_glu_avx2(const float *g, const float *u, float *y, int64_t n)
{
	__m256 z = _mm256_setzero_ps();
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 r = _mm256_max_ps(_mm256_loadu_ps(g + i), z); /* NaN or -0 → +0 (maxps returns the 2nd) */
		_mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(r, r), _mm256_loadu_ps(u + i)));
	}
	for (; i < n; i++)
		y[i] = (g[i] > 0 ? g[i] * g[i] : 0.0f) * u[i];
}

__attribute__((target("avx2"))) static void dequant_avx2(const int32_t *acc, float scale, const float *bias, float *out,
                                                          int add, long n)
{
	__m256 s = _mm256_set1_ps(scale);
	long r = 0;
	for (; r + 8 <= n; r += 8) {
		__m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)(acc + r))), s);
		if (bias)
			v = _mm256_add_ps(v, _mm256_loadu_ps(bias + r));
		if (add)
			v = _mm256_add_ps(_mm256_loadu_ps(out + r), v);
		_mm256_storeu_ps(out + r, v);
	}
	vecops_dequant_c(acc + r, scale, bias ? bias + r : NULL, out + r, add, n - r);
}

/* n % 8 == 0 (the caller checks). Four heads with named accumulators (kept in registers), else one
 * head at a time: each head's sum is the same either way. */
__attribute__((target("avx2,fma,f16c"))) static inline __m256 kv_load(const void *p, int f16, int i)
{
	return f16 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)p + i)))
	           : _mm256_loadu_ps((const float *)p + i);
}

__attribute__((target("avx2,fma,f16c"))) static inline void dots_avx2(const void *k, int f16, const float *const *q,
                                                                       int G, int n, float *out)
{
	int g = 0;
	for (; g + 4 <= G; g += 4) {
		__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
		for (int i = 0; i < n; i += 8) {
			__m256 kv = kv_load(k, f16, i);
			a0 = _mm256_fmadd_ps(kv, _mm256_loadu_ps(q[g] + i), a0);
			a1 = _mm256_fmadd_ps(kv, _mm256_loadu_ps(q[g + 1] + i), a1);
			a2 = _mm256_fmadd_ps(kv, _mm256_loadu_ps(q[g + 2] + i), a2);
			a3 = _mm256_fmadd_ps(kv, _mm256_loadu_ps(q[g + 3] + i), a3);
		}
		out[g] = hsum256(a0);
		out[g + 1] = hsum256(a1);
		out[g + 2] = hsum256(a2);
		out[g + 3] = hsum256(a3);
	}
	for (; g < G; g++) {
		__m256 a = _mm256_setzero_ps();
		for (int i = 0; i < n; i += 8)
			a = _mm256_fmadd_ps(kv_load(k, f16, i), _mm256_loadu_ps(q[g] + i), a);
		out[g] = hsum256(a);
	}
}

__attribute__((target("avx2,fma,f16c"))) static void dots_f16_avx2(const void *k, const float *const *q, int G, int n,
                                                                    float *out)
{
	dots_avx2(k, 1, q, G, n, out);
}

__attribute__((target("avx2,fma,f16c"))) static void dots_f32_avx2(const void *k, const float *const *q, int G, int n,
                                                                    float *out)
{
	dots_avx2(k, 0, q, G, n, out);
}

__attribute__((target("avx2,fma,f16c"))) static inline void axpys_avx2(const float *w, const void *v, int f16,
                                                                        float *const *acc, int G, int n)
{
	int g = 0;
	for (; g + 4 <= G; g += 4) {
		__m256 w0 = _mm256_set1_ps(w[g]), w1 = _mm256_set1_ps(w[g + 1]), w2 = _mm256_set1_ps(w[g + 2]),
		       w3 = _mm256_set1_ps(w[g + 3]);
		float *o0 = acc[g], *o1 = acc[g + 1], *o2 = acc[g + 2], *o3 = acc[g + 3];
		for (int i = 0; i < n; i += 8) {
			__m256 x = kv_load(v, f16, i);
			_mm256_storeu_ps(o0 + i, _mm256_fmadd_ps(w0, x, _mm256_loadu_ps(o0 + i)));
			_mm256_storeu_ps(o1 + i, _mm256_fmadd_ps(w1, x, _mm256_loadu_ps(o1 + i)));
			_mm256_storeu_ps(o2 + i, _mm256_fmadd_ps(w2, x, _mm256_loadu_ps(o2 + i)));
			_mm256_storeu_ps(o3 + i, _mm256_fmadd_ps(w3, x, _mm256_loadu_ps(o3 + i)));
		}
	}
	for (; g < G; g++) {
		__m256 wg = _mm256_set1_ps(w[g]);
		float *o = acc[g];
		for (int i = 0; i < n; i += 8)
			_mm256_storeu_ps(o + i, _mm256_fmadd_ps(wg, kv_load(v, f16, i), _mm256_loadu_ps(o + i)));
	}
}

__attribute__((target("avx2,fma,f16c"))) static void axpys_f16_avx2(const float *w, const void *v, float *const *acc,
                                                                     int G, int n)
{
	axpys_avx2(w, v, 1, acc, G, n);
}

__attribute__((target("avx2,fma,f16c"))) static void axpys_f32_avx2(const float *w, const void *v, float *const *acc,
                                                                     int G, int n)
{
	axpys_avx2(w, v, 0, acc, G, n);
}

__attribute__((target("avx2,f16c"))) static void to_f16_f16c(const float *x, uint16_t *y, int64_t n)
{
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		y[i] = f32_to_f16(x[i]);
}

void vecops_set_avx2(void *t)
{
	struct vecops *v = t;
	v->sumsq = sumsq_avx2;
	v->scale_mul = scale_mul_avx2;
	v->relu2_glu = relu2_glu_avx2;
	v->dequant = dequant_avx2;
}

void vecops_set_f16c(void *t) { ((struct vecops *)t)->to_f16 = to_f16_f16c; }

void vecops_set_fma(void *t)
{
	struct vecops *v = t;
	v->dot_f16 = dot_f16_avx2;
	v->dot_f32 = dot_f32_avx2;
	v->dots_f16 = dots_f16_avx2;
	v->dots_f32 = dots_f32_avx2;
	v->axpys_f16 = axpys_f16_avx2;
	v->axpys_f32 = axpys_f32_avx2;
}
#endif
