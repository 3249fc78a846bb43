/* pack_tl1.c: the TL1 layout and LUT (docs/kernels.md §3): a 4-bit index per weight pair, rows
 * in groups of 32 (byte j holds rows j and j+16), one 32-byte int16 LUT per activation pair. */
#include <string.h>

#include "kernel/kinds.h"

size_t tl1_pack_size(int32_t m, int32_t k)
{
	return (size_t)m * (size_t)k / 4;
}

void tl1_pack_cols(const int8_t *t, int64_t ldt, int32_t m, int32_t c0, int32_t pairs, uint8_t *out)
{
	for (int32_t g = 0; g < m / TL_ROW_GROUP; g++) {
		for (int32_t p = 0; p < pairs; p++) {
			uint8_t *o = out + ((size_t)g * pairs + p) * 16;
			for (int j = 0; j < 16; j++) {
				const int8_t *lo = t + (int64_t)(TL_ROW_GROUP * g + j) * ldt + c0 + 2 * p;
				const int8_t *hi = lo + 16 * ldt;
				o[j] = (uint8_t)(tl1_index(lo[0], lo[1]) | tl1_index(hi[0], hi[1]) << 4);
			}
		}
	}
}

void tl1_unpack_cols(const uint8_t *p, int32_t m, int32_t c0, int32_t pairs, int8_t *t, int64_t ldt)
{
	for (int32_t r = 0; r < m; r++) {
		int32_t g = r / TL_ROW_GROUP, j = r % TL_ROW_GROUP;
		int8_t *tr = t + (int64_t)r * ldt + c0;
		for (int32_t q = 0; q < pairs; q++) {
			uint8_t b = p[((size_t)g * pairs + q) * 16 + j % 16];
			int idx = j < 16 ? b & 15 : b >> 4;
			tr[2 * q] = (int8_t)(idx / 3 - 1);
			tr[2 * q + 1] = (int8_t)(idx % 3 - 1);
		}
	}
}

void tl1_pack(const int8_t *t, int32_t m, int32_t k, uint8_t *out)
{
	tl1_pack_cols(t, k, m, 0, k / 2, out);
}

void tl1_unpack(const uint8_t *p, int32_t m, int32_t k, int8_t *t)
{
	tl1_unpack_cols(p, m, 0, k / 2, t, k);
}

void tl1_pair_lut(int q0, int q1, uint8_t *lut32)
{
	memset(lut32, 0, 32);
	for (int i = 0; i < 9; i++) {
		uint16_t e = (uint16_t)(int16_t)((i / 3 - 1) * q0 + (i % 3 - 1) * q1);
		lut32[i] = (uint8_t)(e & 0xff);
		lut32[16 + i] = (uint8_t)(e >> 8);
	}
}

size_t tl1_lut_bytes(int32_t k)
{
	return (size_t)k / 2 * 32;
}

void tl1_build_lut(const int8_t *q, int32_t k, uint8_t *lut)
{
	for (int32_t p = 0; p < k / 2; p++)
		tl1_pair_lut(q[2 * p], q[2 * p + 1], lut + (size_t)32 * p);
}
