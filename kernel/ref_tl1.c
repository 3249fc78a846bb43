/* ref_tl1.c: the scalar TL1 reference kernel: per token a pair LUT in scratch, per row int16
 * sums of LUT entries over bk-column tiles, flushed to int32 at each tile end. */
#include <assert.h>

#include "kernel/kinds.h"

int16_t tl1_row_tile(const uint8_t *block, int32_t npairs, int32_t row, int32_t p0, int32_t p1,
                     const uint8_t *lut)
{
	int32_t g = row / TL_ROW_GROUP, j = row % TL_ROW_GROUP;
	const uint8_t *bytes = block + (size_t)g * npairs * 16 + j % 16;
	int16_t acc = 0;
	for (int32_t p = p0; p < p1; p++) {
		uint8_t b = bytes[(size_t)16 * p];
		int idx = j < 16 ? b & 15 : b >> 4;
		acc = (int16_t)(acc + lut_entry(lut + (size_t)32 * p, idx));
	}
	return acc;
}

void tl1_ref(const struct kernel_spec *s, const struct kernel_args *a)
{
	int32_t k = s->k, pairs = k / 2, tile_pairs = s->bk / 2;
	size_t stride = lut_stride(tl1_lut_bytes(k));
	uint8_t *scratch = a->scratch;
	assert(scratch != NULL);
	for (int32_t i = 0; i < a->n; i++)
		tl1_build_lut(a->x + i * a->ldx, k, scratch + i * stride);
	for (int32_t i = 0; i < a->n; i++) {
		const uint8_t *lut = scratch + i * stride;
		for (int32_t r = a->row0; r < a->row1; r++) {
			int32_t acc = 0;
			for (int32_t p0 = 0; p0 < pairs; p0 += tile_pairs)
				acc += tl1_row_tile(a->w, pairs, r, p0, MIN(p0 + tile_pairs, pairs), lut);
			a->y[i * a->ldy + r] = acc;
		}
	}
}
