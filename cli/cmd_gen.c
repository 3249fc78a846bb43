/* trit gen: prints a kernel's optimised LLVM IR or assembly. Needs LLVM: a --without-llvm build says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config.h" /* this build's, found through -I. (the build directory) */
#include "cli/cli.h"

#if TRIT_HAVE_LLVM
#include "gen/gen.h"
#include "jit/cache.h"
#include "jit/aot.h"
#include "jit/compile.h"
#include "kernel/model_specs.h"
#include "jit/target.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit gen SPEC [--emit=ll|asm] [--no-opt] [--target TRIPLE] [--cpu CPU]\n"
	           "  SPEC       a kernel spec, e.g. \"i2s m=256 k=256 n=1 isa=avx2\"; omitted fields take\n"
	           "             the defaults (isa: this CPU's best; tiles: from its cache sizes)\n"
	           "  --emit     ll (LLVM IR, default) or asm\n"
	           "  --no-opt   print the IR as generated, before default<O3>\n"
	           "  --target   a triple, e.g. aarch64-linux-gnu (default: this machine)\n"
	           "  --cpu      a CPU name for --target (default: generic, or this CPU for the host)\n");
}

/* the ISA tier a spec without isa= gets on a foreign target */
static int foreign_default_isa(const struct target *t)
{
	return target_is_x86(t) ? ISA_AVX2 : ISA_SCALAR;
}

int cmd_gen(int argc, char **argv)
{
	const char *emit = "ll", *triple = NULL, *cpu = NULL;
	int optimize = 1;
	char spec_text[1024] = "";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strncmp(a, "--emit=", 7)) {
			emit = a + 7;
		} else if (!strcmp(a, "--emit") && i + 1 < argc) {
			emit = argv[++i];
		} else if (!strcmp(a, "--no-opt")) {
			optimize = 0;
		} else if (!strcmp(a, "--target") && i + 1 < argc) {
			triple = argv[++i];
		} else if (!strcmp(a, "--cpu") && i + 1 < argc) {
			cpu = argv[++i];
		} else if (a[0] == '-') {
			die("gen: unknown or incomplete option '%s' (see trit gen --help)", a);
		} else {
			if (spec_text_append(spec_text, sizeof(spec_text), a) < 0)
				die("gen: spec too long");
		}
	}
	if (!spec_text[0])
		die("gen: missing SPEC (e.g. trit gen \"i2s m=256 k=256 isa=avx2\")");
	if (strcmp(emit, "ll") && strcmp(emit, "asm"))
		die("gen: --emit must be ll or asm, got '%s'", emit);

	struct error e;
	struct target t;
	int host = !triple && !cpu;
	if (host ? target_host(&t, &e) < 0
	         : target_foreign(&t, triple, cpu, "", &e) < 0)
		die("gen: %s", e.msg);
	const struct cpu_info *hc = kernel_host_cpu();
	struct kernel_spec s;
	if (spec_from_text(spec_text, host ? -1 : foreign_default_isa(&t), hc, &s, &e) < 0)
		die("gen: %s", e.msg);
	if (compile_check(&s, &t, host ? hc : NULL, &e) < 0)
		die("gen: %s", e.msg);
	if (!host) {
		/* a foreign TM gets exactly the features the spec's ISA tier needs */
		target_free(&t);
		if (target_foreign(&t, triple, cpu, gen_isa_features(s.isa), &e) < 0)
			die("gen: %s", e.msg);
	}
	char name[24];
	aot_symbol(&t, &s, name);
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef m = compile_module(ctx, &t, &s, name, optimize, &e);
	if (!m)
		die("gen: %s", e.msg);
	char text[256];
	spec_format(&s, text, sizeof(text));
	if (!strcmp(emit, "ll")) {
		char *ir = LLVMPrintModuleToString(m);
		printf("; %s\n; target %s, cpu %s\n%s", text, t.triple, t.cpu, ir);
		LLVMDisposeMessage(ir);
	} else {
		void *asm_text;
		size_t len;
		if (compile_emit(m, &t, LLVMAssemblyFile, &asm_text, &len, &e) < 0)
			die("gen: %s", e.msg);
		printf("# %s\n# target %s, cpu %s\n", text, t.triple, t.cpu);
		fwrite(asm_text, 1, len, stdout);
		free(asm_text);
	}
	LLVMDisposeModule(m);
	LLVMContextDispose(ctx);
	target_free(&t);
	return 0;
}

#else

int cmd_gen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	die("gen: this trit was built with --without-llvm; 'trit gen' needs LLVM");
}

#endif
