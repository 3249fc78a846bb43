#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "base/half.h"
#include "runtime/forward.h"
#include "runtime/ggml_types.h"
#include "runtime/rowdot.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

static float f16_table[65536];
static pthread_once_t f16_once = PTHREAD_ONCE_INIT;

/* dot products of one row with one vector (lm_head rows, attention keys). One function per run (chosen
 * from the CPU, never from the thread count or batch), so every logit is summed in the same
 * order however the work is split. */
typedef float (*dot_f16_fn)(const uint16_t *w, const float *h, int64_t n);
typedef float (*dot_f32_fn)(const float *w, const float *h, int64_t n);

static float dot_f16_scalar(const uint16_t *w, const float *h, int64_t n)
{
	float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int64_t i = 0;
	for (; i + 4 <= n; i += 4) {
		s0 += f16_table[w[i]] * h[i];
		s1 += f16_table[w[i + 1]] * h[i + 1];
		s2 += f16_table[w[i + 2]] * h[i + 2];
		s3 += f16_table[w[i + 3]] * h[i + 3];
	}
	for (; i < n; i++)
		s0 += f16_table[w[i]] * h[i];
	return (s0 + s1) + (s2 + s3);
}

static float dot_f32_scalar(const float *w, const float *h, int64_t n)
{
	float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int64_t i = 0;
	for (; i + 4 <= n; i += 4) {
		s0 += w[i] * h[i];
		s1 += w[i + 1] * h[i + 1];
		s2 += w[i + 2] * h[i + 2];
		s3 += w[i + 3] * h[i + 3];
	}
	for (; i < n; i++)
		s0 += w[i] * h[i];
	return (s0 + s1) + (s2 + s3);
}

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_AVX2_DOT 1
#define HEAD_PREFETCH 4096 /* bytes ahead */
__attribute__((target("avx2,fma"))) static float hsum256(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

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
		s += f16_table[w[i]] * h[i];
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
#endif

/* dot_f16_avx2 of one row with four vectors at once (the row converted once), each sum in exactly
 * dot_f16_avx2's order; needs AVX-512VL for the 32 vector registers that sixteen accumulators take */
typedef void (*dot_f16_x4_fn)(const uint16_t *w, const float *const h[4], int64_t n, float out[4]);

#ifdef HAVE_AVX2_DOT
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
			s += f16_table[w[k]] * h[t][k];
		out[t] = s;
	}
}
#endif

/* Σ x² in double, in a fixed order (lane i % 8, then the lanes pairwise), the same on every ISA */
typedef double (*sumsq_fn)(const float *x, int64_t n);
/* y = (x * scale) * w */
typedef void (*scale_mul_fn)(const float *x, float scale, const float *w, float *y, int64_t n);
/* y = max(g, 0)² * u (the squared-ReLU GLU; NaN gates give 0, as g > 0 ? g*g : 0 does) */
typedef void (*relu2_glu_fn)(const float *g, const float *u, float *y, int64_t n);

static double sumsq_scalar(const float *x, int64_t n)
{
	double a[8] = {0};
	for (int64_t i = 0; i < n; i++)
		a[i % 8] += (double)x[i] * (double)x[i];
	return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

static void scale_mul_scalar(const float *x, float scale, const float *w, float *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = x[i] * scale * w[i];
}

static void relu2_glu_scalar(const float *g, const float *u, float *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = (g[i] > 0 ? g[i] * g[i] : 0.0f) * u[i];
}

#ifdef HAVE_AVX2_DOT
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
#endif

/* out = (float)acc * scale [+ bias] or out += that: dequant_out's one multiply, per row */
typedef void (*dequant_fn)(const int32_t *acc, float scale, const float *bias, float *out, int add, long n);

static void dequant_scalar(const int32_t *acc, float scale, const float *bias, float *out, int add, long n)
{
	for (long r = 0; r < n; r++) {
		float v = (float)acc[r] * scale;
		if (bias)
			v += bias[r];
		out[r] = add ? out[r] + v : v;
	}
}

#ifdef HAVE_AVX2_DOT
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
	dequant_scalar(acc + r, scale, bias ? bias + r : NULL, out + r, add, n - r);
}
#endif

/* The query heads that share one KV head are done together, so each cached key and value row is
 * read (and converted from F16) once for all of them: out[g] = k · q[g] for g < G, and
 * acc[g] += w[g] · v. One accumulator per head, elements in order: the same for every G. */
#define KV_GROUP_MAX 4
typedef void (*dots_fn)(const void *k, const float *const *q, int G, int n, float *out);
typedef void (*axpys_fn)(const float *w, const void *v, float *const *acc, int G, int n);

static void dots_f16_scalar(const void *k, const float *const *q, int G, int n, float *out)
{
	const uint16_t *kk = k;
	for (int g = 0; g < G; g++) {
		float s = 0;
		for (int i = 0; i < n; i++)
			s += f16_table[kk[i]] * q[g][i];
		out[g] = s;
	}
}

static void dots_f32_scalar(const void *k, const float *const *q, int G, int n, float *out)
{
	const float *kk = k;
	for (int g = 0; g < G; g++) {
		float s = 0;
		for (int i = 0; i < n; i++)
			s += kk[i] * q[g][i];
		out[g] = s;
	}
}

static void axpys_f16_scalar(const float *w, const void *v, float *const *acc, int G, int n)
{
	const uint16_t *vv = v;
	for (int i = 0; i < n; i++) {
		float x = f16_table[vv[i]];
		for (int g = 0; g < G; g++)
			acc[g][i] += w[g] * x;
	}
}

static void axpys_f32_scalar(const float *w, const void *v, float *const *acc, int G, int n)
{
	const float *vv = v;
	for (int i = 0; i < n; i++)
		for (int g = 0; g < G; g++)
			acc[g][i] += w[g] * vv[i];
}

#ifdef HAVE_AVX2_DOT
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
#endif

/* KV rows to half precision, round to nearest even (F16C gives the same halves as f32_to_f16 for every
 * non-NaN float; NaNs keep a payload instead of becoming 0x7e00) */
typedef void (*to_f16_fn)(const float *x, uint16_t *y, int64_t n);

static void to_f16_scalar(const float *x, uint16_t *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = f32_to_f16(x[i]);
}

#ifdef HAVE_AVX2_DOT
__attribute__((target("avx2,f16c"))) static void to_f16_f16c(const float *x, uint16_t *y, int64_t n)
{
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		y[i] = f32_to_f16(x[i]);
}
#endif

static to_f16_fn to_f16 = to_f16_scalar;
static dots_fn dots_f16 = dots_f16_scalar, dots_f32 = dots_f32_scalar;
static axpys_fn axpys_f16 = axpys_f16_scalar, axpys_f32 = axpys_f32_scalar;
static dequant_fn dequant = dequant_scalar;
static sumsq_fn sumsq = sumsq_scalar;
static scale_mul_fn scale_mul = scale_mul_scalar;
static relu2_glu_fn relu2_glu = relu2_glu_scalar;
static dot_f16_fn dot_f16 = dot_f16_scalar;
static dot_f16_x4_fn dot_f16_x4 = NULL; /* NULL: four dot_f16 calls */
static dot_f32_fn dot_f32 = dot_f32_scalar;

static void init_tables(void)
{
	for (int i = 0; i < 65536; i++)
		f16_table[i] = f16_to_f32((uint16_t)i);
#ifdef HAVE_AVX2_DOT
	const struct cpu_info *c = cpu_host();
	if (c->avx2 && c->fma && c->f16c) {
		dot_f16 = dot_f16_avx2;
		if (c->avx512f && c->avx512vl)
			dot_f16_x4 = dot_f16_x4_avx512vl;
		dot_f32 = dot_f32_avx2;
	}
	if (c->avx2 && c->fma && c->f16c) {
		dots_f16 = dots_f16_avx2;
		dots_f32 = dots_f32_avx2;
		axpys_f16 = axpys_f16_avx2;
		axpys_f32 = axpys_f32_avx2;
	}
	if (c->avx2 && c->f16c)
		to_f16 = to_f16_f16c;
	if (c->avx2) {
		dequant = dequant_avx2;
		sumsq = sumsq_avx2;
		scale_mul = scale_mul_avx2;
		relu2_glu = relu2_glu_avx2;
	}
#endif
}

int forward_init(struct forward *f, struct model *m, int n_ctx, int n_threads, int kv_f32, struct error *e)
{
	memset(f, 0, sizeof(*f));
	pthread_once(&f16_once, init_tables);
	const struct model_desc *d = &m->d;
	f->m = m;
	f->n_ctx = n_ctx > 0 ? n_ctx : d->n_ctx;
	if (f->n_ctx <= 0)
		return errorf(e, "context size must be positive");
	if (n_threads <= 0)
		n_threads = cpu_host()->physical_cores > 0 ? cpu_host()->physical_cores : 1;
	f->nth = n_threads;
	f->kv_f32 = kv_f32;
	size_t T = (size_t)m->tile, E = (size_t)d->n_embd, F = (size_t)d->n_ff, KV = (size_t)m->kv_dim;
	size_t kv_elems = (size_t)d->n_layer * (size_t)f->n_ctx * KV, esz = kv_f32 ? 4 : 2;
	f->kc = calloc(kv_elems, esz);
	f->vc = calloc(kv_elems, esz);
	if (!f->kc || !f->vc) {
		free(f->kc);
		free(f->vc);
		f->kc = f->vc = NULL;
		return errorf(e, "cannot allocate a KV cache of %d tokens (%.1f MiB); try a smaller -c", f->n_ctx,
		              2.0 * (double)kv_elems * (double)esz / 1048576.0);
	}
	size_t maxrow = MAX(E, F);
	f->x = xcalloc(T * E, sizeof(float));
	f->qkv = xcalloc(T * (E + 2 * KV), sizeof(float));
	f->att = xcalloc(T * E, sizeof(float));
	f->gu = xcalloc(T * 2 * F, sizeof(float));
	f->xq = xaligned_alloc(64, T * (size_t)MAX(m->max_k, 1) + 64);
	f->xs = xcalloc(T, sizeof(float));
	f->acc = xaligned_alloc(64, T * (size_t)MAX(m->max_m, 1) * sizeof(int32_t) + 64);
	f->rowbuf = xcalloc((size_t)f->nth * maxrow, sizeof(float));
	f->scores = xcalloc((size_t)f->nth * KV_GROUP_MAX * (size_t)f->n_ctx, sizeof(float));
	f->rope_cs = xcalloc(T * (size_t)m->head_dim, sizeof(float));
	f->inv_freq = xcalloc((size_t)m->head_dim / 2, sizeof(double));
	for (int i = 0; i < m->head_dim / 2; i++) {
		f->inv_freq[i] = pow((double)d->rope_theta, -2.0 * i / m->head_dim);
		if (m->rope_freqs)
			f->inv_freq[i] /= (double)m->rope_freqs[i];
	}
	f->scratch = xcalloc((size_t)f->nth, sizeof(uint8_t *));
	for (int i = 0; i < f->nth; i++)
		f->scratch[i] = xaligned_alloc(64, m->scratch_max + 64);
	f->tp = tp_create(f->nth);
	return 0;
}

void forward_free(struct forward *f)
{
	if (f->tp)
		tp_destroy(f->tp);
	if (f->scratch)
		for (int i = 0; i < f->nth; i++)
			free(f->scratch[i]);
	free(f->scratch);
	free(f->kc);
	free(f->vc);
	free(f->x);
	free(f->qkv);
	free(f->att);
	free(f->gu);
	free(f->xq);
	free(f->xs);
	free(f->acc);
	free(f->rowbuf);
	free(f->scores);
	free(f->rope_cs);
	free(f->inv_freq);
	memset(f, 0, sizeof(*f));
}

void forward_reset(struct forward *f) { f->n_past = 0; }

/* ---- jobs run on every thread of the pool ---- */

enum job_kind { JOB_NORM_QUANT, JOB_LINEAR, JOB_ATTENTION, JOB_LM_HEAD };

struct job {
	enum job_kind kind;
	struct forward *f;
	int n; /* tokens in this chunk */
	/* norm + quantize: src rows (stride ld, length k), optional norm weight, optional GLU
	 * (src = gate, src + glu_off = up) */
	const float *src;
	int64_t ld, k, glu_off;
	const float *norm_w;
	int glu;
	/* linear */
	const struct bitlinear *b;
	float *out;
	int64_t ldout;
	int add;
	/* attention */
	int layer, pos0;
	/* lm_head */
	const float *hidden; /* [n][n_embd] */
	float *logits;       /* [n][n_vocab] */
};

static void rms_norm(const float *x, int64_t k, const float *w, float eps, float *y)
{
	float scale = 1.0f / sqrtf((float)(sumsq(x, k) / (double)k) + eps);
	scale_mul(x, scale, w, y, k);
}

static void job_norm_quant(const struct job *j, long lo, long hi, int ith)
{
	struct forward *f = j->f;
	float *row = f->rowbuf + (size_t)ith * (size_t)MAX(f->m->d.n_embd, f->m->d.n_ff);
	for (long t = lo; t < hi; t++) {
		const float *src = j->src + t * j->ld;
		if (j->glu) {
			const float *up = src + j->glu_off;
			if (f->m->relu2)
				relu2_glu(src, up, row, j->k);
			else
				for (int64_t i = 0; i < j->k; i++)
					row[i] = src[i] / (1.0f + expf(-src[i])) * up[i];
			src = row;
		}
		if (j->norm_w) {
			rms_norm(src, j->k, j->norm_w, f->m->d.rms_eps, row);
			src = row;
		}
		f->xs[t] = quantize_act(src, j->k, f->xq + t * j->k);
	}
}

/* the kernel a linear job of n tokens runs */
static const struct kernel_handle *linear_handle(const struct bitlinear *b, int n) { return n == 1 ? &b->gemv : &b->gemm; }

static void job_linear(const struct job *j, long lo, long hi, int ith)
{
	struct forward *f = j->f;
	const struct bitlinear *b = j->b;
	const struct kernel_handle *h = linear_handle(b, j->n);
	const uint8_t *w = j->n == 1 ? b->w_gemv : b->w_gemm;
	int step = h->spec.n > 0 ? h->spec.n : 1;
	for (int t0 = 0; t0 < j->n; t0 += step) {
		struct kernel_args a = {
			.w = w,
			.x = f->xq + (int64_t)t0 * b->k,
			.y = f->acc + (int64_t)t0 * b->m,
			.ldx = b->k,
			.ldy = b->m,
			.n = MIN(step, j->n - t0),
			.row0 = (int32_t)lo,
			.row1 = (int32_t)hi,
			.scratch = f->scratch[ith],
		};
		khandle_call(h, &a);
	}
	int32_t pstart = 0;
	for (int p = 0; p < b->nparts; p++) {
		int32_t pend = pstart + b->part_rows[p];
		long r0 = MAX(lo, pstart), r1 = MIN(hi, pend);
		float alpha = b->alpha[p];
		for (int t = 0; t < j->n && r0 < r1; t++) {
			const int32_t *acc = f->acc + (int64_t)t * b->m;
			float *out = j->out + t * j->ldout;
			dequant(acc + r0, alpha / f->xs[t], b->bias ? b->bias + r0 : NULL, out + r0, j->add, r1 - r0);
		}
		pstart = pend;
	}
}

/* items are (token, KV head): the query heads of the group, up to KV_GROUP_MAX at a time */
static void job_attention(const struct job *j, long lo, long hi, int ith)
{
	struct forward *f = j->f;
	const struct model *m = f->m;
	int hd = m->head_dim, nkv = m->d.n_head_kv, group = m->d.n_head / m->d.n_head_kv;
	int64_t E = m->d.n_embd, KV = m->kv_dim, ld = E + 2 * KV;
	size_t layer_off = (size_t)j->layer * (size_t)f->n_ctx * (size_t)KV, esz = f->kv_f32 ? 4 : 2;
	float *scores = f->scores + (size_t)ith * KV_GROUP_MAX * (size_t)f->n_ctx;
	float scale = 1.0f / sqrtf((float)hd);
	int vec = hd % 8 == 0; /* the SIMD helpers take whole vectors */
	dots_fn dots = !vec ? (f->kv_f32 ? dots_f32_scalar : dots_f16_scalar) : f->kv_f32 ? dots_f32 : dots_f16;
	axpys_fn axpys = !vec ? (f->kv_f32 ? axpys_f32_scalar : axpys_f16_scalar) : f->kv_f32 ? axpys_f32 : axpys_f16;
	for (long item = lo; item < hi; item++) {
		int t = (int)(item / nkv), kvh = (int)(item % nkv), pos = j->pos0 + t;
		for (int h0 = 0; h0 < group; h0 += KV_GROUP_MAX) {
			int G = MIN(KV_GROUP_MAX, group - h0);
			const float *q[KV_GROUP_MAX];
			float *out[KV_GROUP_MAX], mx[KV_GROUP_MAX], inv[KV_GROUP_MAX], s[KV_GROUP_MAX];
			for (int g = 0; g < G; g++) {
				int head = kvh * group + h0 + g;
				q[g] = f->qkv + t * ld + (int64_t)head * hd;
				out[g] = f->att + t * E + (int64_t)head * hd;
				mx[g] = -INFINITY;
			}
			for (int p = 0; p <= pos; p++) {
				size_t base = layer_off + (size_t)p * (size_t)KV + (size_t)kvh * (size_t)hd;
				dots((const char *)f->kc + base * esz, q, G, hd, s);
				for (int g = 0; g < G; g++) {
					float v = s[g] * scale;
					scores[(size_t)g * (size_t)f->n_ctx + (size_t)p] = v;
					if (v > mx[g])
						mx[g] = v;
				}
			}
			for (int g = 0; g < G; g++) {
				float *sc = scores + (size_t)g * (size_t)f->n_ctx, sum = 0;
				for (int p = 0; p <= pos; p++) {
					sc[p] = expf(sc[p] - mx[g]);
					sum += sc[p];
				}
				inv[g] = 1.0f / sum;
				memset(out[g], 0, (size_t)hd * sizeof(float));
			}
			for (int p = 0; p <= pos; p++) {
				size_t base = layer_off + (size_t)p * (size_t)KV + (size_t)kvh * (size_t)hd;
				float w[KV_GROUP_MAX];
				for (int g = 0; g < G; g++)
					w[g] = scores[(size_t)g * (size_t)f->n_ctx + (size_t)p] * inv[g];
				axpys(w, (const char *)f->vc + base * esz, out, G, hd);
			}
		}
	}
}

static void job_lm_head(const struct job *j, long lo, long hi, int ith)
{
	struct forward *f = j->f;
	const struct model *m = f->m;
	const struct gguf_tensor *out = m->output;
	int64_t E = m->d.n_embd, V = m->d.n_vocab;
	float *buf = f->rowbuf + (size_t)ith * (size_t)MAX(m->d.n_embd, m->d.n_ff);
	if (m->head_q8.w) {
		lmhead_q8_rows(&m->head_q8, f->xq, f->xs, j->n, lo, hi, j->logits, V);
		return;
	}
	for (long r = lo; r < hi; r++) {
		float *dst = j->logits + r;
		if (out->type == GGML_TYPE_F16) {
			const uint16_t *w = (const uint16_t *)out->data + r * E;
			int t = 0;
			for (; dot_f16_x4 && t + 4 <= j->n; t += 4) {
				const float *h[4] = {j->hidden + t * E, j->hidden + (t + 1) * E, j->hidden + (t + 2) * E,
				                     j->hidden + (t + 3) * E};
				float o[4];
				dot_f16_x4(w, h, E, o);
				for (int u = 0; u < 4; u++)
					dst[(t + u) * V] = o[u];
			}
			for (; t < j->n; t++)
				dst[t * V] = dot_f16(w, j->hidden + t * E, E);
			continue;
		}
		if (rowdot_supported(out->type)) {
			const uint8_t *w = (const uint8_t *)out->data + (size_t)r * (size_t)(out->nbytes / (uint64_t)V);
			for (int t = 0; t < j->n; t++)
				dst[t * V] = rowdot(out->type, w, j->hidden + t * E, E);
			continue;
		}
		const float *w = (const float *)out->data + r * E;
		if (out->type != GGML_TYPE_F32) {
			ggml_decode_row(out->type, out->data, E, out->ne[1], r, buf);
			w = buf;
		}
		for (int t = 0; t < j->n; t++)
			dst[t * V] = dot_f32(w, j->hidden + t * E, E);
	}
}

static void run_job(void *ctx, long lo, long hi, int ith)
{
	const struct job *j = ctx;
	switch (j->kind) {
	case JOB_NORM_QUANT:
		job_norm_quant(j, lo, hi, ith);
		break;
	case JOB_LINEAR:
		job_linear(j, lo, hi, ith);
		break;
	case JOB_ATTENTION:
		job_attention(j, lo, hi, ith);
		break;
	case JOB_LM_HEAD:
		job_lm_head(j, lo, hi, ith);
		break;
	}
}

/* rows of the output layer per chunk: a few hundred KiB of weights, many chunks per thread */
#define LM_HEAD_CHUNK 128

/* ---- the layer steps ---- */

static void norm_quant(struct forward *f, int n, const float *src, int64_t ld, int64_t k, const float *w, int glu,
                       int64_t glu_off)
{
	struct job j = {.kind = JOB_NORM_QUANT, .f = f, .n = n, .src = src, .ld = ld, .k = k, .norm_w = w,
	                .glu = glu, .glu_off = glu_off};
	tp_for(f->tp, n, 1, run_job, &j);
}

static void linear(struct forward *f, int n, const struct bitlinear *b, float *out, int64_t ldout, int add)
{
	struct job j = {.kind = JOB_LINEAR, .f = f, .n = n, .b = b, .out = out, .ldout = ldout, .add = add};
	int32_t bm = linear_handle(b, n)->spec.bm;
	tp_for(f->tp, b->m, bm > 0 ? bm : b->m, run_job, &j); /* kernels take whole row tiles */
}

/* rotates pairs of x (one head of hd values) by the token's angles cs (cos[hd/2], sin[hd/2]) */
static void rope_head(float *x, int hd, int neox, const float *cs)
{
	int half = hd / 2;
	const float *c = cs, *s = cs + half;
	for (int i = 0; i < half; i++) {
		int a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
		float x0 = x[a], x1 = x[b];
		x[a] = x0 * c[i] - x1 * s[i];
		x[b] = x0 * s[i] + x1 * c[i];
	}
}

/* RoPE on q and k of each token, then k and v into the cache */
static void rope_and_store(struct forward *f, int n, int layer, int pos0)
{
	const struct model *m = f->m;
	int hd = m->head_dim, half = hd / 2;
	int64_t E = m->d.n_embd, KV = m->kv_dim, ld = E + 2 * KV;
	size_t layer_off = (size_t)layer * (size_t)f->n_ctx * (size_t)KV;
	for (int t = 0; t < n; t++) {
		float *cs = f->rope_cs + (size_t)t * (size_t)hd, *row = f->qkv + t * ld;
		if (layer == 0)
			for (int i = 0; i < half; i++) {
				double ang = (double)(pos0 + t) * f->inv_freq[i];
				cs[i] = (float)cos(ang);
				cs[half + i] = (float)sin(ang);
			}
		for (int h = 0; h < m->d.n_head; h++)
			rope_head(row + (int64_t)h * hd, hd, m->rope_neox, cs);
		for (int h = 0; h < m->d.n_head_kv; h++)
			rope_head(row + E + (int64_t)h * hd, hd, m->rope_neox, cs);
		size_t dst = layer_off + (size_t)(pos0 + t) * (size_t)KV;
		const float *k = row + E, *v = row + E + KV;
		if (f->kv_f32) {
			memcpy((float *)f->kc + dst, k, (size_t)KV * sizeof(float));
			memcpy((float *)f->vc + dst, v, (size_t)KV * sizeof(float));
		} else {
			to_f16(k, (uint16_t *)f->kc + dst, KV);
			to_f16(v, (uint16_t *)f->vc + dst, KV);
		}
	}
}

static void run_layer(struct forward *f, int n, int l, int pos0)
{
	const struct model *m = f->m;
	const struct layer *L = &m->layers[l];
	int64_t E = m->d.n_embd, F = m->d.n_ff, KV = m->kv_dim, ldqkv = E + 2 * KV;

	norm_quant(f, n, f->x, E, E, L->attn_norm, 0, 0);
	int64_t off = 0;
	for (int i = 0; i < L->n_qkv; i++) {
		linear(f, n, &L->qkv[i], f->qkv + off, ldqkv, 0);
		off += L->qkv[i].m;
	}
	rope_and_store(f, n, l, pos0);
	struct job aj = {.kind = JOB_ATTENTION, .f = f, .n = n, .layer = l, .pos0 = pos0};
	tp_for(f->tp, (long)n * m->d.n_head_kv, 1, run_job, &aj);
	norm_quant(f, n, f->att, E, E, L->attn_sub_norm, 0, 0);
	linear(f, n, &L->o, f->x, E, 1);

	norm_quant(f, n, f->x, E, E, L->ffn_norm, 0, 0);
	off = 0;
	for (int i = 0; i < L->n_gate_up; i++) {
		linear(f, n, &L->gate_up[i], f->gu + off, 2 * F, 0);
		off += L->gate_up[i].m;
	}
	norm_quant(f, n, f->gu, 2 * F, F, L->ffn_sub_norm, 1, F);
	linear(f, n, &L->down, f->x, E, 1);
}

/* one chunk of at most tile tokens; logits of tokens [first_logit, n) into out */
static void run_chunk(struct forward *f, const int32_t *tokens, int n, float *out, int first_logit)
{
	const struct model *m = f->m;
	int64_t E = m->d.n_embd;
	int pos0 = f->n_past;
	for (int t = 0; t < n; t++)
		ggml_decode_row(m->tok_embd->type, m->tok_embd->data, E, m->d.n_vocab, tokens[t], f->x + t * E);
	for (int l = 0; l < m->d.n_layer; l++)
		run_layer(f, n, l, pos0);
	f->n_past += n;
	if (!out || first_logit >= n)
		return;
	int nl = n - first_logit;
	for (int t = 0; t < nl; t++) {
		rms_norm(f->x + (first_logit + t) * E, E, m->output_norm, m->d.rms_eps, f->att + t * E);
		if (m->head_q8.w)
			f->xs[t] = quantize_act(f->att + t * E, E, f->xq + t * E);
	}
	struct job j = {.kind = JOB_LM_HEAD, .f = f, .n = nl, .hidden = f->att, .logits = out};
	tp_for(f->tp, m->d.n_vocab, LM_HEAD_CHUNK, run_job, &j);
}

int forward_tokens(struct forward *f, const int32_t *tokens, int n, float *logits, int all, struct error *e)
{
	const struct model *m = f->m;
	if (n <= 0)
		return 0;
	if ((long)f->n_past + n > f->n_ctx)
		return errorf(e, "the context is full: %d tokens in the cache + %d new > context size %d (use -c)",
		              f->n_past, n, f->n_ctx);
	for (int i = 0; i < n; i++)
		if (tokens[i] < 0 || tokens[i] >= m->d.n_vocab)
			return errorf(e, "token id %d is out of range (vocabulary has %d tokens)", tokens[i], m->d.n_vocab);
	int64_t V = m->d.n_vocab;
	for (int c = 0; c < n; c += m->tile) {
		int nc = MIN(m->tile, n - c);
		int last = c + nc == n;
		if (all)
			run_chunk(f, tokens + c, nc, logits ? logits + (int64_t)c * V : NULL, 0);
		else
			run_chunk(f, tokens + c, nc, last ? logits : NULL, nc - 1);
	}
	return 0;
}
