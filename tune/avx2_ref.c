/* avx2_ref.c: hand-written AVX2 I2S GEMV/GEMM (see avx2_ref.h).
 *
 * I2S block b of a row is 32 bytes; byte j holds the codes (c = w + 1) of columns
 * 128b + 32g + j in bits 2g..2g+1. So one 32-byte load, then (v >> 2g) & 3 for g = 0..3, gives
 * four vectors of 32 codes that line up with x[128b + 32g .. +31]. pmaddubsw(codes, x) adds
 * neighbouring products into int16 lanes (|lane| <= 2·2·127 = 508), four groups per block make
 * 2032, so 16 blocks stay below 32767 before the int16 sums are widened with pmaddwd(1).
 * The sum of c·x minus the sum of x is the sum of w·x. */
#include <string.h>

#include "tune/avx2_ref.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define FLUSH_BLOCKS 16
#define TOKENS 4

int avx2_ref_available(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

AVX2 static inline int32_t hsum_epi32(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
	return _mm_cvtsi128_si32(s);
}

/* sum of k int8 activations (k % 32 == 0) */
AVX2 static int32_t sum_x(const int8_t *x, int32_t k)
{
	const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
	__m256i acc = _mm256_setzero_si256();
	for (int32_t i = 0; i < k; i += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(x + i));
		acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, v), ones16));
	}
	return hsum_epi32(acc);
}

/* sum of c·x over one packed row for one token */
AVX2 static int32_t dot_row(const uint8_t *wr, const int8_t *x, int32_t nblocks)
{
	const __m256i mask = _mm256_set1_epi8(3), ones16 = _mm256_set1_epi16(1);
	__m256i acc32 = _mm256_setzero_si256();
	for (int32_t b0 = 0; b0 < nblocks; b0 += FLUSH_BLOCKS) {
		int32_t b1 = b0 + FLUSH_BLOCKS < nblocks ? b0 + FLUSH_BLOCKS : nblocks;
		__m256i acc16 = _mm256_setzero_si256();
		for (int32_t b = b0; b < b1; b++) {
			__m256i v = _mm256_loadu_si256((const __m256i *)(wr + 32 * b));
			const int8_t *xb = x + 128 * b;
			__m256i c0 = _mm256_and_si256(v, mask);
			__m256i c1 = _mm256_and_si256(_mm256_srli_epi16(v, 2), mask);
			__m256i c2 = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
			__m256i c3 = _mm256_and_si256(_mm256_srli_epi16(v, 6), mask);
			__m256i p0 = _mm256_maddubs_epi16(c0, _mm256_loadu_si256((const __m256i *)xb));
			__m256i p1 = _mm256_maddubs_epi16(c1, _mm256_loadu_si256((const __m256i *)(xb + 32)));
			__m256i p2 = _mm256_maddubs_epi16(c2, _mm256_loadu_si256((const __m256i *)(xb + 64)));
			__m256i p3 = _mm256_maddubs_epi16(c3, _mm256_loadu_si256((const __m256i *)(xb + 96)));
			acc16 = _mm256_add_epi16(acc16, _mm256_add_epi16(_mm256_add_epi16(p0, p1),
			                                                  _mm256_add_epi16(p2, p3)));
		}
		acc32 = _mm256_add_epi32(acc32, _mm256_madd_epi16(acc16, ones16));
	}
	return hsum_epi32(acc32);
}

AVX2 void avx2_i2s_gemv(const uint8_t *w, int32_t k, const int8_t *x, int32_t *y, int32_t row0, int32_t row1)
{
	int32_t nblocks = k / 128, sx = sum_x(x, k);
	size_t rowbytes = (size_t)k / 4;
	for (int32_t r = row0; r < row1; r++)
		y[r] = dot_row(w + (size_t)r * rowbytes, x, nblocks) - sx;
}

/* sum of c·x over one packed row for nt (<= TOKENS) tokens, sharing each unpacked code vector */
AVX2 static void dot_row_tokens(const uint8_t *wr, const int8_t *const *xt, int nt, int32_t nblocks,
                                int32_t *out)
{
	const __m256i mask = _mm256_set1_epi8(3), ones16 = _mm256_set1_epi16(1);
	__m256i acc32[TOKENS];
	for (int t = 0; t < nt; t++)
		acc32[t] = _mm256_setzero_si256();
	for (int32_t b0 = 0; b0 < nblocks; b0 += FLUSH_BLOCKS) {
		int32_t b1 = b0 + FLUSH_BLOCKS < nblocks ? b0 + FLUSH_BLOCKS : nblocks;
		__m256i acc16[TOKENS];
		for (int t = 0; t < nt; t++)
			acc16[t] = _mm256_setzero_si256();
		for (int32_t b = b0; b < b1; b++) {
			__m256i v = _mm256_loadu_si256((const __m256i *)(wr + 32 * b));
			__m256i c[4];
			c[0] = _mm256_and_si256(v, mask);
			c[1] = _mm256_and_si256(_mm256_srli_epi16(v, 2), mask);
			c[2] = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
			c[3] = _mm256_and_si256(_mm256_srli_epi16(v, 6), mask);
			for (int t = 0; t < nt; t++) {
				const int8_t *xb = xt[t] + 128 * b;
				__m256i s = _mm256_setzero_si256();
				for (int g = 0; g < 4; g++)
					s = _mm256_add_epi16(s, _mm256_maddubs_epi16(
					        c[g], _mm256_loadu_si256((const __m256i *)(xb + 32 * g))));
				acc16[t] = _mm256_add_epi16(acc16[t], s);
			}
		}
		for (int t = 0; t < nt; t++)
			acc32[t] = _mm256_add_epi32(acc32[t], _mm256_madd_epi16(acc16[t], ones16));
	}
	for (int t = 0; t < nt; t++)
		out[t] = hsum_epi32(acc32[t]);
}

AVX2 void avx2_i2s_gemm(const uint8_t *w, int32_t k, const int8_t *x, int64_t ldx, int32_t n, int32_t *y,
                        int64_t ldy, int32_t row0, int32_t row1)
{
	int32_t nblocks = k / 128;
	size_t rowbytes = (size_t)k / 4;
	for (int32_t t0 = 0; t0 < n; t0 += TOKENS) {
		int nt = n - t0 < TOKENS ? n - t0 : TOKENS;
		const int8_t *xt[TOKENS];
		int32_t sx[TOKENS], acc[TOKENS];
		for (int t = 0; t < nt; t++) {
			xt[t] = x + (t0 + t) * ldx;
			sx[t] = sum_x(xt[t], k);
		}
		for (int32_t r = row0; r < row1; r++) {
			dot_row_tokens(w + (size_t)r * rowbytes, xt, nt, nblocks, acc);
			for (int t = 0; t < nt; t++)
				y[(t0 + t) * ldy + r] = acc[t] - sx[t];
		}
	}
}

#else /* not x86: the portable reference keeps callers working */

int avx2_ref_available(void)
{
	return 0;
}

void avx2_i2s_gemv(const uint8_t *w, int32_t k, const int8_t *x, int32_t *y, int32_t row0, int32_t row1)
{
	avx2_i2s_gemm(w, k, x, k, 1, y, 0, row0, row1);
}

void avx2_i2s_gemm(const uint8_t *w, int32_t k, const int8_t *x, int64_t ldx, int32_t n, int32_t *y,
                   int64_t ldy, int32_t row0, int32_t row1)
{
	struct kernel_spec s;
	memset(&s, 0, sizeof s);
	s.kind = KIND_I2S;
	s.isa = ISA_SCALAR;
	s.m = row1;
	s.k = k;
	s.n = n;
	s.bm = s.rb = s.unroll = s.threads = 1;
	s.bk = k;
	struct kernel_args a = {w, x, y, ldx, ldy, n, row0, row1, NULL};
	ref_kernel(&s, &a);
}

#endif

void avx2_i2s_kernel(const struct kernel_spec *s, const struct kernel_args *a)
{
	if (a->n == 1)
		avx2_i2s_gemv(a->w, s->k, a->x, a->y, a->row0, a->row1);
	else
		avx2_i2s_gemm(a->w, s->k, a->x, a->ldx, a->n, a->y, a->ldy, a->row0, a->row1);
}
