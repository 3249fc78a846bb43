/* tool_gen.c: trit_gen, one kernel's LLVM IR or assembly for any target. requires: llvm */
#include <stdlib.h>
#include <string.h>

#include "api/tools.h"
#include "gen/gen.h"
#include "jit/aot.h"
#include "jit/compile.h"
#include "jit/target.h"

/* the ISA tier a spec without isa= gets on a foreign target */
static int foreign_default_isa(const struct target *t)
{
	return target_is_x86(t) ? ISA_AVX2 : ISA_SCALAR;
}

/* writes m as IR or assembly under a two-line header */
static int print_module(LLVMModuleRef m, const struct target *t, const struct kernel_spec *s, int asm_out, FILE *out,
                        trit_error *err)
{
	char text[256];
	spec_format(s, text, sizeof(text));
	if (!asm_out) {
		char *ir = LLVMPrintModuleToString(m);
		fprintf(out, "; %s\n; target %s, cpu %s\n%s", text, t->triple, t->cpu, ir);
		LLVMDisposeMessage(ir);
		return 0;
	}
	void *asm_text;
	size_t len;
	struct error e;
	if (compile_emit(m, t, LLVMAssemblyFile, &asm_text, &len, &e) < 0)
		return api_fail(err, TRIT_ERR_ARG, &e);
	fprintf(out, "# %s\n# target %s, cpu %s\n", text, t->triple, t->cpu);
	fwrite(asm_text, 1, len, out);
	free(asm_text);
	return 0;
}

int trit_gen(trit_ctx *c, const trit_gen_options *o, FILE *out, trit_error *err)
{
	const char *emit = o->emit ? o->emit : "ll";
	if (!o->spec || !o->spec[0])
		return api_failf(err, TRIT_ERR_ARG, "no kernel spec given");
	if (strcmp(emit, "ll") && strcmp(emit, "asm"))
		return api_failf(err, TRIT_ERR_ARG, "--emit must be ll or asm, got '%s'", emit);
	struct error e;
	struct target t;
	int host = !o->triple && !o->cpu;
	if (host ? target_host(&t, &e) < 0 : target_foreign(&t, o->triple, o->cpu, "", &e) < 0)
		return api_fail(err, TRIT_ERR_ARG, &e);
	const struct cpu_info *hc = &c->rt.cpu;
	struct kernel_spec s;
	int rc = TRIT_ERR_ARG;
	if (spec_from_text(o->spec, host ? -1 : foreign_default_isa(&t), hc, &s, &e) < 0 ||
	    compile_check(&s, &t, host ? hc : NULL, &e) < 0) {
		target_free(&t);
		return api_fail(err, rc, &e);
	}
	if (!host) {
		/* a foreign TM gets exactly the features the spec's ISA tier needs */
		target_free(&t);
		if (target_foreign(&t, o->triple, o->cpu, gen_isa_features(s.isa), &e) < 0)
			return api_fail(err, TRIT_ERR_ARG, &e);
	}
	char name[24];
	aot_symbol(&t, &s, name);
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef m = compile_module(ctx, &t, &s, name, !o->no_opt, &e);
	if (m) {
		rc = print_module(m, &t, &s, !strcmp(emit, "asm"), out, err);
		LLVMDisposeModule(m);
	} else {
		api_fail(err, rc, &e);
	}
	LLVMContextDispose(ctx);
	target_free(&t);
	return rc;
}
