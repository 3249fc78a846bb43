/* quant_act_forms.h: the per-ISA forms of quantize_act (kernel.h) behind base/isa_table.h, each in
 * its own file (quant_act_scalar.c, quant_act_avx2.c, quant_act_avx512.c). Every form computes what
 * the plain C one does: the same float multiply, clamp and round-half-even per element (the maximum
 * is order-independent). */
#ifndef TRIT_QUANT_ACT_FORMS_H
#define TRIT_QUANT_ACT_FORMS_H

#include <math.h>
#include <stdint.h>

struct quant_act_table {
	float (*quantize)(const float *x, int64_t k, int8_t *q);
};

/* one element: x * s, clamped to +-127, rounded half to even; NaN (only a NaN x, s being finite and
 * positive) gives 0 */
static inline int8_t quant_one(float x, float s)
{
	float v = x * s;
	if (isnan(v))
		return 0;
	v = v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v;
	return (int8_t)nearbyintf(v);
}

/* the setters of the forms (void * = struct quant_act_table *) */
void quant_act_set_scalar(void *t);
void quant_act_set_avx2(void *t);   /* needs AVX2 */
void quant_act_set_avx512(void *t); /* needs AVX-512 F, BW, VL */

#endif
