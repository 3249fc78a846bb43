/* lmhead_avx2.c: the int8 row dot with AVX2 (no VNNI), 32 bytes a step. */
#include "base/isa_table.h"
#include "runtime/lmhead_forms.h"

#ifdef ISA_X86
#include <immintrin.h>

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

void lmhead_set_avx2(void *t) { ((struct lmhead_table *)t)->dot = dot_avx2; }
#endif
