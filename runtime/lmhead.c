#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "kernel/kernel.h"
#include "format/ggml_types.h"
#include "runtime/lmhead.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86_DOTS 1
#endif

typedef int32_t (*dot_fn)(const int8_t *w, const int8_t *x, int64_t n, int32_t row_sum);

/* Σ w·x in plain C (the definition every other form must equal) */
static int32_t dot_scalar(const int8_t *w, const int8_t *x, int64_t n, int32_t row_sum)
{
	(void)row_sum;
	int32_t s = 0;
	for (int64_t i = 0; i < n; i++)
		s += (int32_t)w[i] * x[i];
	return s;
}

#ifdef HAVE_X86_DOTS
/* The VNNI forms multiply unsigned by signed bytes: x + 128 (x XOR 0x80 as u8) times w, and then
 * 128·Σw (the row's sum, precomputed) comes off. Exact in int32 for rows up to 2^16 columns. */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static int32_t dot_avx512vnni(const int8_t *w, const int8_t *x,
                                                                                       int64_t n, int32_t row_sum)
{
	const __m512i flip = _mm512_set1_epi8((char)0x80);
	__m512i a0 = _mm512_setzero_si512(), a1 = a0;
	int64_t i = 0;
	for (; i + 128 <= n; i += 128) {
		/* the rows stream from DRAM: prefetch 4 KiB ahead (past the row is harmless) */
		_mm_prefetch((const char *)(w + i) + 4096, _MM_HINT_T0);
		_mm_prefetch((const char *)(w + i) + 4096 + 64, _MM_HINT_T0);
		__m512i x0 = _mm512_xor_si512(_mm512_loadu_si512(x + i), flip);
		__m512i x1 = _mm512_xor_si512(_mm512_loadu_si512(x + i + 64), flip);
		a0 = _mm512_dpbusd_epi32(a0, x0, _mm512_loadu_si512(w + i));
		a1 = _mm512_dpbusd_epi32(a1, x1, _mm512_loadu_si512(w + i + 64));
	}
	for (; i + 64 <= n; i += 64)
		a0 = _mm512_dpbusd_epi32(a0, _mm512_xor_si512(_mm512_loadu_si512(x + i), flip), _mm512_loadu_si512(w + i));
	int32_t s = _mm512_reduce_add_epi32(_mm512_add_epi32(a0, a1));
	for (; i < n; i++)
		s += (int32_t)w[i] * (x[i] + 128);
	return s - 128 * row_sum;
}

__attribute__((target("avx2,avxvnni"))) static int32_t dot_avxvnni(const int8_t *w, const int8_t *x, int64_t n,
                                                                    int32_t row_sum)
{
	const __m256i flip = _mm256_set1_epi8((char)0x80);
	__m256i a0 = _mm256_setzero_si256(), a1 = a0;
	int64_t i = 0;
	for (; i + 64 <= n; i += 64) {
		__m256i x0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(x + i)), flip);
		__m256i x1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(x + i + 32)), flip);
		a0 = _mm256_dpbusd_avx_epi32(a0, x0, _mm256_loadu_si256((const __m256i *)(w + i)));
		a1 = _mm256_dpbusd_avx_epi32(a1, x1, _mm256_loadu_si256((const __m256i *)(w + i + 32)));
	}
	__m256i a = _mm256_add_epi32(a0, a1);
	__m128i h = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
	h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
	h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
	int32_t s = _mm_cvtsi128_si32(h);
	for (; i < n; i++)
		s += (int32_t)w[i] * (x[i] + 128);
	return s - 128 * row_sum;
}

/* AVX2 without VNNI: |x| times w with x's sign, pairs summed in int16 (at most 2·127·127, exact) */
__attribute__((target("avx2"))) static int32_t dot_avx2(const int8_t *w, const int8_t *x, int64_t n, int32_t row_sum)
{
	(void)row_sum;
	const __m256i ones = _mm256_set1_epi16(1);
	__m256i a = _mm256_setzero_si256();
	int64_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m256i xv = _mm256_loadu_si256((const __m256i *)(x + i));
		__m256i wv = _mm256_loadu_si256((const __m256i *)(w + i));
		__m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(xv, xv), _mm256_sign_epi8(wv, xv));
		a = _mm256_add_epi32(a, _mm256_madd_epi16(p, ones));
	}
	__m128i h = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
	h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
	h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
	int32_t s = _mm_cvtsi128_si32(h);
	for (; i < n; i++)
		s += (int32_t)w[i] * x[i];
	return s;
}
#endif

static dot_fn best_dot = dot_scalar;
static pthread_once_t pick_once = PTHREAD_ONCE_INIT;

static void pick_dot(void)
{
#ifdef HAVE_X86_DOTS
	const struct cpu_info *c = cpu_host();
	if (c->avx512f && c->avx512bw && c->avx512vnni)
		best_dot = dot_avx512vnni;
	else if (c->avx2 && c->avxvnni)
		best_dot = dot_avxvnni;
	else if (c->avx2)
		best_dot = dot_avx2;
#endif
}

int lmhead_q8_dot_forms(const int8_t *w, const int8_t *x, int64_t n, int32_t out[4])
{
	int32_t sum = 0;
	for (int64_t i = 0; i < n; i++)
		sum += w[i];
	int k = 0;
	out[k++] = dot_scalar(w, x, n, sum);
#ifdef HAVE_X86_DOTS
	const struct cpu_info *c = cpu_host();
	if (c->avx2)
		out[k++] = dot_avx2(w, x, n, sum);
	if (c->avx2 && c->avxvnni)
		out[k++] = dot_avxvnni(w, x, n, sum);
	if (c->avx512f && c->avx512bw && c->avx512vnni)
		out[k++] = dot_avx512vnni(w, x, n, sum);
#endif
	return k;
}

int lmhead_q8_build(struct lmhead_q8 *h, const struct gguf_tensor *t, int64_t rows, int64_t cols, struct error *e)
{
	pthread_once(&pick_once, pick_dot);
	memset(h, 0, sizeof(*h));
	if (cols > 65536) /* (x + 128)·w summed over the row must stay within int32 */
		return errorf(e, "--lm-head q8: rows of %lld values are longer than the 65536 it supports; use --lm-head file",
		              (long long)cols);
	h->rows = rows;
	h->cols = cols;
	h->w = malloc((size_t)rows * (size_t)cols + 64);
	h->inv_scale = malloc((size_t)rows * sizeof(float));
	h->row_sum = malloc((size_t)rows * sizeof(int32_t));
	float *buf = malloc((size_t)cols * sizeof(float));
	if (!h->w || !h->inv_scale || !h->row_sum || !buf) {
		free(buf);
		lmhead_q8_free(h);
		return errorf(e, "--lm-head q8: cannot allocate %.1f MiB for the int8 output layer",
		              (double)rows * (double)cols / 1048576.0);
	}
	for (int64_t r = 0; r < rows; r++) {
		int8_t *q = h->w + r * cols;
		ggml_decode_row(t->type, t->data, cols, rows, r, buf);
		h->inv_scale[r] = 1.0f / quantize_act(buf, cols, q);
		int32_t s = 0;
		for (int64_t i = 0; i < cols; i++)
			s += q[i];
		h->row_sum[r] = s;
	}
	free(buf);
	return 0;
}

void lmhead_q8_free(struct lmhead_q8 *h)
{
	free(h->w);
	free(h->inv_scale);
	free(h->row_sum);
	h->w = NULL;
	h->inv_scale = NULL;
	h->row_sum = NULL;
}

void lmhead_q8_rows(const struct lmhead_q8 *h, const int8_t *xq, const float *xs, int n, int64_t lo, int64_t hi,
                    float *logits, int64_t ld)
{
	dot_fn dot = best_dot;
	for (int64_t r = lo; r < hi; r++) {
		const int8_t *w = h->w + r * h->cols;
		for (int t = 0; t < n; t++)
			logits[t * ld + r] = dequant_out(dot(w, xq + t * h->cols, h->cols, h->row_sum[r]), h->inv_scale[r], xs[t]);
	}
}
