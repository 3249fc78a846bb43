/* lmhead_avxvnni.c: the int8 row dot with AVX-VNNI (256-bit), 64 bytes a step; unsigned x + 128 times
 * w, then 128·Σw off, exact in int32 for rows up to 2^16 columns (lmhead_avx512.c says more). */
#include "base/isa_table.h"
#include "runtime/lmhead_forms.h"

#ifdef ISA_X86
#include <immintrin.h>

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

void lmhead_set_avxvnni(void *t) { ((struct lmhead_table *)t)->dot = dot_avxvnni; }
#endif
