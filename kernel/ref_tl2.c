/* ref_tl2.c: the scalar TL2 reference kernel: per token a triple LUT (plus tail-pair LUTs) in
 * scratch; per row int16 sums of sign-applied LUT entries over bk-column tiles, flushed to int32;
 * the tail pairs form one more int16 tile. */
#include <assert.h>

#include "kernel/kinds.h"

/* int16 sum over triples [g0, g1) of one row */
static int16_t triple_tile(const uint8_t *w, int32_t nt, int32_t groups, int32_t row, int32_t g0,
                           int32_t g1, const uint8_t *lut)
{
	int32_t rg = row / TL_ROW_GROUP, j = row % TL_ROW_GROUP;
	const uint8_t *nib = w + (size_t)rg * nt * 16 + j % 16;
	const uint8_t *signs = w + (size_t)groups * 16 * nt + (size_t)rg * nt * 4 + j / 8;
	int16_t acc = 0;
	for (int32_t g = g0; g < g1; g++) {
		uint8_t b = nib[(size_t)16 * g];
		int mag = j < 16 ? b & 15 : b >> 4;
		int m = -((signs[(size_t)4 * g] >> (j % 8)) & 1);
		int e = lut_entry(lut + (size_t)32 * g, mag);
		acc = (int16_t)(acc + (int16_t)((e ^ m) - m));
	}
	return acc;
}

void tl2_ref(const struct kernel_spec *s, const struct kernel_args *a)
{
	int32_t k = s->k, nt, tp, groups = s->m / TL_ROW_GROUP, tile = s->bk / 3;
	int ok = tl2_split(k, &nt, &tp);
	assert(ok == 0);
	(void)ok;
	size_t stride = lut_stride(tl2_lut_bytes(k));
	const uint8_t *tail = a->w + (size_t)groups * 20 * nt;
	uint8_t *scratch = a->scratch;
	assert(scratch != NULL);
	for (int32_t i = 0; i < a->n; i++)
		tl2_build_lut(a->x + i * a->ldx, k, scratch + i * stride);
	for (int32_t i = 0; i < a->n; i++) {
		const uint8_t *lut = scratch + i * stride;
		for (int32_t r = a->row0; r < a->row1; r++) {
			int32_t acc = 0;
			for (int32_t g0 = 0; g0 < nt; g0 += tile)
				acc += triple_tile(a->w, nt, groups, r, g0, MIN(g0 + tile, nt), lut);
			acc += tl1_row_tile(tail, tp, r, 0, tp, lut + (size_t)32 * nt);
			a->y[i * a->ldy + r] = acc;
		}
	}
}
