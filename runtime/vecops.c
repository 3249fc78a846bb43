/* vecops.c: the tables of the vector loops' per-ISA forms (vecops_forms.h). */
#include "base/isa_table.h"
#include "runtime/vecops.h"
#include "runtime/vecops_forms.h"

static const struct isa_form forms[] = {
	{"scalar", 0, vecops_set_scalar},
#ifdef ISA_X86
	{"avx2", CPUF_BIT(AVX2), vecops_set_avx2},
	{"f16c", CPUF_BIT(AVX2) | CPUF_BIT(F16C), vecops_set_f16c},
	{"fma", CPUF_BIT(AVX2) | CPUF_BIT(FMA) | CPUF_BIT(F16C), vecops_set_fma},
	{"avx512", CPUF_BIT(AVX2) | CPUF_BIT(FMA) | CPUF_BIT(F16C) | CPUF_BIT(AVX512F) | CPUF_BIT(AVX512VL),
	 vecops_set_avx512},
#endif
}, plain_forms[] = {
	{"scalar", 0, vecops_set_scalar},
};

ISA_TABLE(best, struct vecops, forms)
ISA_TABLE(plain, struct vecops, plain_forms)

const struct vecops *vecops(void) { return best(); }

const struct vecops *vecops_plain(void) { return plain(); }
