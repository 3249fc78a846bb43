/* lmhead_avx512.c: the int8 row dot with AVX-512 VNNI, 128 bytes a step. */
#include "base/isa_table.h"
#include "runtime/lmhead_forms.h"

#ifdef ISA_X86
#include <immintrin.h>

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

void lmhead_set_avx512vnni(void *t) { ((struct lmhead_table *)t)->dot = dot_avx512vnni; }
#endif
