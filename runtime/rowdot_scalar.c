/* rowdot_scalar.c: rowdot in plain C (decode each block as ggml_decode_row does, then sum). */
#include "base/half.h"
#include "format/kquants.h"
#include "runtime/rowdot_forms.h"

static float q8_0_scalar(const uint8_t *row, const float *h, int64_t n)
{
	float s = 0;
	for (int64_t b = 0; b < n / Q8_0_BLOCK; b++, row += Q8_0_BYTES) {
		float d = f16_to_f32((uint16_t)(row[0] | row[1] << 8));
		for (int i = 0; i < Q8_0_BLOCK; i++)
			s += d * (float)(int8_t)row[2 + i] * h[b * Q8_0_BLOCK + i];
	}
	return s;
}

static float q6_k_scalar(const uint8_t *row, const float *h, int64_t n)
{
	float y[QK_K], s = 0;
	for (int64_t b = 0; b < n / QK_K; b++, row += Q6_K_BYTES) {
		q6_k_decode(row, QK_K, y);
		for (int i = 0; i < QK_K; i++)
			s += y[i] * h[b * QK_K + i];
	}
	return s;
}

void rowdot_set_scalar(void *t)
{
	struct rowdot_table *r = t;
	r->q8_0 = q8_0_scalar;
	r->q6_k = q6_k_scalar;
}
