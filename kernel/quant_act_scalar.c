/* quant_act_scalar.c: quantize_act in plain C, the definition every other form equals. */
#include "kernel/quant.h"
#include "kernel/quant_act_forms.h"

float quantize_act_ref(const float *x, int64_t k, int8_t *q)
{
	float amax = 1e-5f;
	for (int64_t i = 0; i < k; i++) {
		float a = fabsf(x[i]);
		if (isfinite(a) && a > amax)
			amax = a;
	}
	float s = 127.0f / amax;
	for (int64_t i = 0; i < k; i++)
		q[i] = quant_one(x[i], s);
	return s;
}

void quant_act_set_scalar(void *t) { ((struct quant_act_table *)t)->quantize = quantize_act_ref; }
