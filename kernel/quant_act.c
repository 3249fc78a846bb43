/* quant_act.c: per-token activation quantization, the first half of the numerical contract
 * (docs/kernels.md §1): the table of its per-ISA forms (quant_act_forms.h) and its entry points. */
#include "base/isa_table.h"
#include "base/util.h"
#include "kernel/quant.h"
#include "kernel/quant_act_forms.h"

static const struct isa_form forms[] = {
	{"scalar", 0, quant_act_set_scalar},
#ifdef ISA_X86
	{"avx2", CPUF_BIT(AVX2), quant_act_set_avx2},
	{"avx512", CPUF_BIT(AVX512F) | CPUF_BIT(AVX512BW) | CPUF_BIT(AVX512VL), quant_act_set_avx512},
#endif
};

ISA_TABLE(quant_best, struct quant_act_table, forms)

float quantize_act(const float *x, int64_t k, int8_t *q) { return quant_best()->quantize(x, k, q); }

int quantize_act_forms(const float *x, int64_t k, int8_t *const q[3], float s[3])
{
	int n = 0;
	for (int i = 0; i < (int)COUNTOF(forms); i++) {
		struct quant_act_table t;
		if (isa_table_form(&t, forms, i, cpu_host())) {
			s[n] = t.quantize(x, k, q[n]);
			n++;
		}
	}
	return n;
}
