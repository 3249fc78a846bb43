/* ref_dense.c: the plain definition every kernel is compared with. */
#include "kernel/ref.h"

void ref_dense(const int8_t *t, int32_t m, int32_t k, const int8_t *x, int64_t ldx, int32_t n,
               int32_t *y, int64_t ldy)
{
	for (int32_t i = 0; i < n; i++)
		for (int32_t r = 0; r < m; r++) {
			const int8_t *tr = t + (size_t)r * k;
			const int8_t *q = x + i * ldx;
			int32_t acc = 0;
			for (int32_t c = 0; c < k; c++)
				acc += tr[c] * q[c];
			y[i * ldy + r] = acc;
		}
}
