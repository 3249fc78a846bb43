/* pack_i2s.c: the I2S layout (docs/kernels.md §2): row-major, 128-weight blocks of 32 bytes,
 * weight 128b+32g+j in byte 32b+j, bits 2g..2g+1, as code t+1. */
#include <assert.h>
#include <string.h>

#include "kernel/kinds.h"

size_t i2s_pack_size(int32_t m, int32_t k)
{
	return (size_t)m * (size_t)k / 4;
}

void i2s_pack(const int8_t *t, int32_t m, int32_t k, uint8_t *out)
{
	size_t row_bytes = (size_t)k / 4;
	assert(k % I2S_BLOCK == 0);
	for (int32_t r = 0; r < m; r++) {
		const int8_t *tr = t + (size_t)r * k;
		uint8_t *o = out + (size_t)r * row_bytes;
		for (int32_t b = 0; b < k / I2S_BLOCK; b++, tr += I2S_BLOCK, o += 32)
			for (int j = 0; j < 32; j++)
				o[j] = (uint8_t)((tr[j] + 1) | (tr[32 + j] + 1) << 2 | (tr[64 + j] + 1) << 4 |
				                 (tr[96 + j] + 1) << 6);
	}
}

void i2s_unpack(const uint8_t *p, int32_t m, int32_t k, int8_t *t)
{
	size_t row_bytes = (size_t)k / 4;
	for (int32_t r = 0; r < m; r++) {
		const uint8_t *pr = p + (size_t)r * row_bytes;
		int8_t *tr = t + (size_t)r * k;
		for (int32_t b = 0; b < k / I2S_BLOCK; b++, pr += 32, tr += I2S_BLOCK)
			for (int g = 0; g < 4; g++)
				for (int j = 0; j < 32; j++)
					tr[32 * g + j] = (int8_t)(((pr[j] >> (2 * g)) & 3) - 1);
	}
}
