/* ref_i2s.c: the scalar I2S reference kernel. It accumulates u8 code × s8 activation products
 * and subtracts the token's activation sum, the way the vpdpbusd kernels do. */
#include "kernel/kinds.h"

void i2s_ref(const struct kernel_spec *s, const struct kernel_args *a)
{
	int32_t k = s->k;
	size_t row_bytes = (size_t)k / 4;
	for (int32_t i = 0; i < a->n; i++) {
		const int8_t *q = a->x + i * a->ldx;
		int32_t qsum = 0;
		for (int32_t c = 0; c < k; c++)
			qsum += q[c];
		for (int32_t r = a->row0; r < a->row1; r++) {
			const uint8_t *w = a->w + (size_t)r * row_bytes;
			int32_t acc = 0;
			for (int32_t b = 0; b < k / I2S_BLOCK; b++) {
				const uint8_t *blk = w + 32 * b;
				const int8_t *qb = q + I2S_BLOCK * b;
				for (int g = 0; g < 4; g++)
					for (int j = 0; j < 32; j++)
						acc += ((blk[j] >> (2 * g)) & 3) * qb[32 * g + j];
			}
			a->y[i * a->ldy + r] = acc - qsum;
		}
	}
}
