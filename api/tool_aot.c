/* tool_aot.c: trit_aot, every kernel a model needs, for any target, in one object plus a header that
 * a runtime built without LLVM can link. requires: llvm */
#include <stdlib.h>
#include <string.h>

#include "api/tools.h"
#include "gen/gen.h"
#include "jit/aot.h"
#include "jit/target.h"

/* the target machine for o, its features those of the ISA tier *isa (chosen here unless o->isa names one) */
static int aot_target(trit_ctx *c, const trit_aot_options *o, struct target *t, int *isa, trit_error *err)
{
	struct error e;
	enum isa parsed = ISA_SCALAR;
	if (o->isa && isa_parse(o->isa, &parsed) < 0)
		return api_failf(err, TRIT_ERR_ARG,
		                 "unknown --isa '%s' (scalar, avx2, avxvnni, avx512vnni, amx, neon, dotprod)", o->isa);
	int host = !o->triple && !o->cpu;
	if (host ? target_host(t, &e) < 0 : target_foreign(t, o->triple, o->cpu, "", &e) < 0)
		return api_fail(err, TRIT_ERR_ARG, &e);
	/* the host's best vector tier unless o->isa says otherwise: not AMX, whose tile state a process must
	 * request before the first instruction (runtime/kernels.c never looks AMX up among AOT objects) */
	*isa = o->isa ? (int)parsed
	       : host ? (int)isa_best(KIND_I2S, 1, &c->rt.cpu)
	              : target_is_x86(t) ? ISA_AVX2 : ISA_SCALAR;
	if (host)
		return 0;
	if (target_supports_isa(t, (enum isa)*isa, &e) < 0) {
		target_free(t);
		return api_fail(err, TRIT_ERR_ARG, &e);
	}
	target_free(t);
	if (target_foreign(t, o->triple, o->cpu, gen_isa_features((enum isa)*isa), &e) < 0)
		return api_fail(err, TRIT_ERR_ARG, &e);
	return 0;
}

int trit_aot(trit_ctx *c, const trit_aot_options *o, trit_error *err)
{
	if (!o->output)
		return api_failf(err, TRIT_ERR_ARG, "no output object given");
	if (!ends_with(o->output, ".o"))
		return api_failf(err, TRIT_ERR_ARG,
		                 "the output name must end in .o (the header is written next to it as .h), got '%s'",
		                 o->output);
	enum kernel_kind kinds[MAX_LIST];
	int32_t batches[MAX_LIST];
	int nk, nb, isa = ISA_SCALAR;
	int rc = tool_parse_lists(o->kinds, o->batch, kinds, &nk, batches, &nb, err);
	if (rc < 0)
		return rc;
	struct target t;
	if ((rc = aot_target(c, o, &t, &isa, err)) < 0)
		return rc;
	struct kernel_spec *specs;
	int n = tool_model_specs(c, o->model, kinds, nk, batches, nb, isa, &specs, err);
	if (n < 0) {
		target_free(&t);
		return n;
	}
	char *header = xstrdup(o->output);
	header[strlen(header) - 1] = 'h';
	struct error e;
	int host = !o->triple && !o->cpu;
	if (aot_emit(&t, host ? &c->rt.cpu : NULL, specs, n, o->output, header, &e) < 0)
		n = api_fail(err, TRIT_ERR_ARG, &e);
	else
		log_to(&c->rt.cfg.log, LOG_INFO, "aot: %d kernels for %s (cpu %s) -> %s, %s", n, t.triple, t.cpu, o->output,
		       header);
	free(header);
	free(specs);
	target_free(&t);
	return n;
}
