/* rowdot_avx2.c: rowdot with AVX2, FMA and F16C, 8 weights a step, software prefetch ahead of the
 * rows (they stream from DRAM). */
#include "base/half.h"
#include "base/isa_table.h"
#include "format/kquants.h"
#include "runtime/rowdot_forms.h"

#ifdef ISA_X86
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static float hsum8(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

/* 8 int8 codes at p to float */
__attribute__((target("avx2,fma"))) static inline __m256 codes8(__m128i v8) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v8)); }

__attribute__((target("avx2,fma,f16c"))) static float q8_0_avx2(const uint8_t *row, const float *h, int64_t n)
{
	__m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
	for (int64_t b = 0; b < n / Q8_0_BLOCK; b++, row += Q8_0_BYTES, h += Q8_0_BLOCK) {
		_mm_prefetch((const char *)row + ROW_PREFETCH, _MM_HINT_T0);
		__m256 d = _mm256_set1_ps(f16_to_f32((uint16_t)(row[0] | row[1] << 8)));
		__m256i q = _mm256_loadu_si256((const __m256i *)(row + 2));
		__m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
		/* weight = d * code, as the decoder computes it, then times h */
		acc[0] = _mm256_fmadd_ps(_mm256_mul_ps(d, codes8(lo)), _mm256_loadu_ps(h), acc[0]);
		acc[1] = _mm256_fmadd_ps(_mm256_mul_ps(d, codes8(_mm_srli_si128(lo, 8))), _mm256_loadu_ps(h + 8), acc[1]);
		acc[2] = _mm256_fmadd_ps(_mm256_mul_ps(d, codes8(hi)), _mm256_loadu_ps(h + 16), acc[2]);
		acc[3] = _mm256_fmadd_ps(_mm256_mul_ps(d, codes8(_mm_srli_si128(hi, 8))), _mm256_loadu_ps(h + 24), acc[3]);
	}
	return hsum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

/* Q6_K: per half of 128 elements, group g (32 elements) takes low nibbles from ql[32(g&1)..] (high
 * nibbles for g >= 2) and two high bits from qh bits 2g; scale sc[8h + 2g + (l >= 16)] */
__attribute__((target("avx2,fma,f16c"))) static float q6_k_avx2(const uint8_t *row, const float *h, int64_t n)
{
	const __m256i m4 = _mm256_set1_epi8(0x0f), m2 = _mm256_set1_epi8(0x03), c32 = _mm256_set1_epi8(32);
	__m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
	for (int64_t b = 0; b < n / QK_K; b++, row += Q6_K_BYTES) {
		for (int c = 0; c < Q6_K_BYTES; c += 64) /* rows stream from DRAM; past the row is harmless */
			_mm_prefetch((const char *)row + ROW_PREFETCH + c, _MM_HINT_T0);
		const uint8_t *ql = row, *qhp = row + 128;
		const int8_t *sc = (const int8_t *)(row + 192);
		float d = f16_to_f32((uint16_t)(row[208] | row[209] << 8));
		for (int half = 0; half < 2; half++) {
			__m256i l0 = _mm256_loadu_si256((const __m256i *)(ql + 64 * half));
			__m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 64 * half + 32));
			__m256i qh = _mm256_loadu_si256((const __m256i *)(qhp + 32 * half));
			for (int g = 0; g < 4; g++) {
				__m256i lo = g & 1 ? l1 : l0;
				lo = g >= 2 ? _mm256_and_si256(_mm256_srli_epi16(lo, 4), m4) : _mm256_and_si256(lo, m4);
				__m256i hb = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * g), m2);
				__m256i q = _mm256_sub_epi8(_mm256_or_si256(lo, _mm256_slli_epi16(hb, 4)), c32);
				__m128i q0 = _mm256_castsi256_si128(q), q1 = _mm256_extracti128_si256(q, 1);
				const float *hh = h + b * QK_K + 128 * half + 32 * g;
				int si = 8 * half + 2 * g;
				__m256 s0 = _mm256_set1_ps(d * (float)sc[si]), s1 = _mm256_set1_ps(d * (float)sc[si + 1]);
				acc0 = _mm256_fmadd_ps(_mm256_mul_ps(s0, codes8(q0)), _mm256_loadu_ps(hh), acc0);
				acc1 = _mm256_fmadd_ps(_mm256_mul_ps(s0, codes8(_mm_srli_si128(q0, 8))), _mm256_loadu_ps(hh + 8), acc1);
				acc0 = _mm256_fmadd_ps(_mm256_mul_ps(s1, codes8(q1)), _mm256_loadu_ps(hh + 16), acc0);
				acc1 = _mm256_fmadd_ps(_mm256_mul_ps(s1, codes8(_mm_srli_si128(q1, 8))), _mm256_loadu_ps(hh + 24), acc1);
			}
		}
	}
	return hsum8(_mm256_add_ps(acc0, acc1));
}

void rowdot_set_avx2(void *t)
{
	struct rowdot_table *r = t;
	r->q8_0 = q8_0_avx2;
	r->q6_k = q6_k_avx2;
}
#endif
