/* pack_i2s.c: the I2S layout (docs/kernels.md §2): row-major, 128-weight blocks of 32 bytes,
 * weight 128b+32g+j in byte 32b+j, bits 2g..2g+1, as code t+1. */
#include <string.h>

#include "gen/kinds.h"

size_t i2s_pack_size(int32_t m, int32_t k)
{
	return (size_t)m * (size_t)k / 4;
}

void i2s_pack(const int8_t *t, int32_t m, int32_t k, uint8_t *out)
{
	size_t row_bytes = (size_t)k / 4;
	memset(out, 0, i2s_pack_size(m, k));
	for (int32_t r = 0; r < m; r++) {
		const int8_t *tr = t + (size_t)r * k;
		uint8_t *o = out + (size_t)r * row_bytes;
		for (int32_t c = 0; c < k; c++) {
			int b = c / I2S_BLOCK, g = (c % I2S_BLOCK) / 32, j = c % 32;
			o[32 * b + j] |= (uint8_t)((tr[c] + 1) << (2 * g));
		}
	}
}

void i2s_unpack(const uint8_t *p, int32_t m, int32_t k, int8_t *t)
{
	size_t row_bytes = (size_t)k / 4;
	for (int32_t r = 0; r < m; r++) {
		const uint8_t *pr = p + (size_t)r * row_bytes;
		int8_t *tr = t + (size_t)r * k;
		for (int32_t c = 0; c < k; c++) {
			int b = c / I2S_BLOCK, g = (c % I2S_BLOCK) / 32, j = c % 32;
			tr[c] = (int8_t)(((pr[32 * b + j] >> (2 * g)) & 3) - 1);
		}
	}
}
