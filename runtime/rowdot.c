/* rowdot.c: the table of rowdot's per-ISA forms (rowdot_forms.h) and its entry points. */
#include "base/isa_table.h"
#include "format/ggml_types.h"
#include "runtime/rowdot.h"
#include "runtime/rowdot_forms.h"

static const struct isa_form forms[] = {
	{"scalar", 0, rowdot_set_scalar},
#ifdef ISA_X86
	{"avx2", CPUF_BIT(AVX2) | CPUF_BIT(FMA) | CPUF_BIT(F16C), rowdot_set_avx2},
#endif
};

ISA_TABLE(rowdots, struct rowdot_table, forms)

int rowdot_supported(uint32_t type) { return type == GGML_TYPE_Q8_0 || type == GGML_TYPE_Q6_K; }

float rowdot(uint32_t type, const uint8_t *row, const float *h, int64_t n)
{
	const struct rowdot_table *t = rowdots();
	return type == GGML_TYPE_Q8_0 ? t->q8_0(row, h, n) : t->q6_k(row, h, n);
}
