/* rowdot_forms.h: the per-ISA forms of rowdot (rowdot.h) behind base/isa_table.h, each in its own
 * file (rowdot_scalar.c, rowdot_avx2.c). */
#ifndef TRIT_ROWDOT_FORMS_H
#define TRIT_ROWDOT_FORMS_H

#include <stdint.h>

#define Q8_0_BLOCK 32
#define Q8_0_BYTES 34
#define ROW_PREFETCH 4096 /* bytes ahead */

typedef float (*rowdot_fn)(const uint8_t *row, const float *h, int64_t n);

struct rowdot_table {
	rowdot_fn q8_0, q6_k;
};

/* the setters of the forms (void * = struct rowdot_table *) */
void rowdot_set_scalar(void *t);
void rowdot_set_avx2(void *t); /* needs AVX2, FMA, F16C */

#endif
