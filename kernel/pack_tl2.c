/* pack_tl2.c: the TL2 layout and LUT (docs/kernels.md §4): per weight triple a |v| nibble
 * (rows j and j+16 share a byte) and a sign bit (one uint32 per 32 rows), then a TL1-layout
 * tail of 0, 1 or 2 pairs; one 32-byte int16 LUT per activation triple, then per tail pair. */
#include <string.h>

#include "kernel/kinds.h"

int tl2_split(int32_t k, int32_t *nt, int32_t *tp)
{
	static const int32_t tail_for_rem[3] = {0, 4, 2};
	int32_t tail = tail_for_rem[k % 3];
	if (k < 1 || tail > k)
		return -1;
	*nt = (k - tail) / 3;
	*tp = tail / 2;
	return 0;
}

size_t tl2_pack_size(int32_t m, int32_t k)
{
	int32_t nt, tp;
	if (tl2_split(k, &nt, &tp) < 0)
		return 0;
	return (size_t)(m / TL_ROW_GROUP) * (20 * (size_t)nt + 16 * (size_t)tp);
}

static int triple_value(const int8_t *w)
{
	return 9 * w[0] + 3 * w[1] + w[2];
}

void tl2_pack(const int8_t *t, int32_t m, int32_t k, uint8_t *out)
{
	int32_t nt, tp, groups = m / TL_ROW_GROUP;
	if (tl2_split(k, &nt, &tp) < 0)
		return;
	uint8_t *signs = out + (size_t)groups * 16 * nt;
	uint8_t *tail = signs + (size_t)groups * 4 * nt;
	for (int32_t rg = 0; rg < groups; rg++) {
		for (int32_t g = 0; g < nt; g++) {
			uint8_t *nib = out + ((size_t)rg * nt + g) * 16;
			uint32_t bits = 0;
			for (int j = 0; j < TL_ROW_GROUP; j++) {
				int v = triple_value(t + (size_t)(TL_ROW_GROUP * rg + j) * k + 3 * g);
				int mag = v < 0 ? -v : v;
				if (j < 16)
					nib[j] = (uint8_t)mag;
				else
					nib[j - 16] |= (uint8_t)(mag << 4);
				if (v < 0)
					bits |= (uint32_t)1 << j;
			}
			uint8_t *sw = signs + ((size_t)rg * nt + g) * 4;
			for (int b = 0; b < 4; b++)
				sw[b] = (uint8_t)(bits >> (8 * b));
		}
	}
	tl1_pack_cols(t, k, m, 3 * nt, tp, tail);
}

/* the sign bit of row j (0..31) of one row group and triple */
static int sign_bit(const uint8_t *sw, int j)
{
	return (sw[j / 8] >> (j % 8)) & 1;
}

void tl2_unpack(const uint8_t *p, int32_t m, int32_t k, int8_t *t)
{
	int32_t nt, tp, groups = m / TL_ROW_GROUP;
	if (tl2_split(k, &nt, &tp) < 0)
		return;
	const uint8_t *signs = p + (size_t)groups * 16 * nt;
	const uint8_t *tail = signs + (size_t)groups * 4 * nt;
	for (int32_t r = 0; r < m; r++) {
		int32_t rg = r / TL_ROW_GROUP, j = r % TL_ROW_GROUP;
		for (int32_t g = 0; g < nt; g++) {
			uint8_t b = p[((size_t)rg * nt + g) * 16 + j % 16];
			int mag = j < 16 ? b & 15 : b >> 4;
			int v = sign_bit(signs + ((size_t)rg * nt + g) * 4, j) ? -mag : mag;
			int8_t *w = t + (size_t)r * k + 3 * g;
			/* v + 13 = 9(t0+1) + 3(t1+1) + (t2+1): base-3 digits */
			w[0] = (int8_t)((v + 13) / 9 - 1);
			w[1] = (int8_t)((v + 13) / 3 % 3 - 1);
			w[2] = (int8_t)((v + 13) % 3 - 1);
		}
	}
	tl1_unpack_cols(tail, m, 3 * nt, tp, t, k);
}

size_t tl2_lut_bytes(int32_t k)
{
	int32_t nt, tp;
	if (tl2_split(k, &nt, &tp) < 0)
		return 0;
	return 32 * ((size_t)nt + (size_t)tp);
}

void tl2_build_lut(const int8_t *q, int32_t k, uint8_t *lut)
{
	int32_t nt, tp;
	if (tl2_split(k, &nt, &tp) < 0)
		return;
	for (int32_t g = 0; g < nt; g++) {
		const int8_t *qg = q + 3 * g;
		uint8_t *l = lut + (size_t)32 * g;
		memset(l, 0, 32);
		for (int t0 = -1; t0 <= 1; t0++)
			for (int t1 = -1; t1 <= 1; t1++)
				for (int t2 = -1; t2 <= 1; t2++) {
					int v = 9 * t0 + 3 * t1 + t2;
					if (v < 0)
						continue;
					uint16_t e = (uint16_t)(int16_t)(t0 * qg[0] + t1 * qg[1] + t2 * qg[2]);
					l[v] = (uint8_t)(e & 0xff);
					l[16 + v] = (uint8_t)(e >> 8);
				}
	}
	for (int32_t p = 0; p < tp; p++)
		tl1_pair_lut(q[3 * nt + 2 * p], q[3 * nt + 2 * p + 1], lut + (size_t)32 * (nt + p));
}
