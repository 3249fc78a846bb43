/* lmhead_scalar.c: the int8 row dot in plain C. */
#include "runtime/lmhead_forms.h"

/* Σ w·x in plain C (the definition every other form must equal) */
static int32_t dot_scalar(const int8_t *w, const int8_t *x, int64_t n, int32_t row_sum)
{
	(void)row_sum;
	int32_t s = 0;
	for (int64_t i = 0; i < n; i++)
		s += (int32_t)w[i] * x[i];
	return s;
}

void lmhead_set_scalar(void *t) { ((struct lmhead_table *)t)->dot = dot_scalar; }
