/* lmhead_forms.h: the per-ISA forms of the int8 output layer's row dot (lmhead.h) behind
 * base/isa_table.h, each in its own file (lmhead_scalar.c, lmhead_avx2.c, lmhead_avxvnni.c,
 * lmhead_avx512.c). All give the exact int32 sum. */
#ifndef TRIT_LMHEAD_FORMS_H
#define TRIT_LMHEAD_FORMS_H

#include <stdint.h>

/* Σ w·x over n int8s; row_sum = Σ w, for the forms that multiply unsigned by signed bytes */
typedef int32_t (*lmhead_dot_fn)(const int8_t *w, const int8_t *x, int64_t n, int32_t row_sum);

struct lmhead_table {
	lmhead_dot_fn dot;
};

/* the setters of the forms (void * = struct lmhead_table *) */
void lmhead_set_scalar(void *t);
void lmhead_set_avx2(void *t);       /* needs AVX2 */
void lmhead_set_avxvnni(void *t);    /* needs AVX2, AVX-VNNI */
void lmhead_set_avx512vnni(void *t); /* needs AVX-512 F, BW, VNNI */

#endif
