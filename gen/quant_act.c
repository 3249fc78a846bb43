/* quant_act.c: per-token activation quantization, the first half of the numerical contract
 * (docs/kernels.md §1). */
#include <math.h>

#include "gen/kernel.h"

float quantize_act(const float *x, int64_t k, int8_t *q)
{
	float amax = 1e-5f;
	for (int64_t i = 0; i < k; i++) {
		float a = fabsf(x[i]);
		if (isfinite(a) && a > amax)
			amax = a;
	}
	float s = 127.0f / amax;
	for (int64_t i = 0; i < k; i++) {
		float v = x[i] * s;
		if (isnan(v)) {
			/* s is finite and > 0, so only a NaN input gets here */
			q[i] = 0;
			continue;
		}
		if (v > 127.0f)
			v = 127.0f;
		else if (v < -127.0f)
			v = -127.0f;
		q[i] = (int8_t)nearbyintf(v);
	}
	return s;
}
