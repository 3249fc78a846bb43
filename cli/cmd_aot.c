/* trit aot: compiles every kernel a model needs, for any target, into one object plus a header
 * that a runtime built without LLVM can link. Needs LLVM: a --without-llvm build says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config.h" /* this build's, found through -I. (the build directory) */
#include "cli/cli.h"

#if TRIT_HAVE_LLVM
#include "gen/gen.h"
#include "ir/ir.h"
#include "jit/aot.h"
#include "kernel/model_specs.h"
#include "jit/target.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit aot MODEL.trit [--target TRIPLE] [--cpu CPU] [--isa TIER] [--kinds i2s,tl1,tl2]\n"
	           "                [--batch 1,64] -o kernels.o\n"
	           "  writes kernels.o (every kernel MODEL's linears need, per kind and batch size, plus the\n"
	           "  table runtime/aot_kernels.h looks kernels up in) and kernels.h next to it.\n"
	           "  --target  triple (default: this machine); --cpu CPU name (default: generic, or this CPU)\n"
	           "  --isa     ISA tier (default: this CPU's best per kind; avx2 for other x86-64 targets;\n"
	           "            scalar for AArch64 until NEON kernels exist)\n"
	           "  --kinds   default i2s;  --batch  default 1\n");
}

int cmd_aot(int argc, char **argv)
{
	const char *model = NULL, *triple = NULL, *cpu = NULL, *isa_s = NULL, *out = NULL;
	const char *kinds_s = "i2s", *batch_s = "1";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--target") && more) {
			triple = argv[++i];
		} else if (!strcmp(a, "--cpu") && more) {
			cpu = argv[++i];
		} else if (!strcmp(a, "--isa") && more) {
			isa_s = argv[++i];
		} else if (!strcmp(a, "--kinds") && more) {
			kinds_s = argv[++i];
		} else if (!strcmp(a, "--batch") && more) {
			batch_s = argv[++i];
		} else if (!strcmp(a, "-o") && more) {
			out = argv[++i];
		} else if (a[0] == '-') {
			die("aot: unknown or incomplete option '%s' (see trit aot --help)", a);
		} else if (!model) {
			model = a;
		} else {
			die("aot: more than one model given ('%s' and '%s')", model, a);
		}
	}
	if (!model)
		die("aot: missing MODEL.trit (see trit aot --help)");
	if (!out)
		die("aot: missing -o OUTPUT.o");
	if (!ends_with(out, ".o"))
		die("aot: the output name must end in .o (the header is written next to it as .h), got '%s'", out);

	struct error e;
	enum kernel_kind kinds[MAX_LIST];
	int32_t batches[MAX_LIST];
	int nk = parse_kind_list(kinds_s, kinds, &e);
	if (nk < 0)
		die("aot: --kinds: %s", e.msg);
	int nb = parse_batch_list(batch_s, batches, &e);
	if (nb < 0)
		die("aot: --batch: %s", e.msg);
	enum isa isa = ISA_SCALAR;
	if (isa_s && isa_parse(isa_s, &isa) < 0)
		die("aot: unknown --isa '%s' (scalar, avx2, avxvnni, avx512vnni, amx, neon, dotprod)", isa_s);

	struct target t;
	int host = !triple && !cpu;
	if (host ? target_host(&t, &e) < 0 : target_foreign(&t, triple, cpu, "", &e) < 0)
		die("aot: %s", e.msg);
	/* the host's best vector tier unless --isa says otherwise: not AMX, whose tile state a process must
	 * request before the first instruction (runtime/kernels.c never looks AMX up among AOT objects) */
	int want_isa = isa_s ? (int)isa
	               : host ? (int)isa_best(KIND_I2S, 1, kernel_host_cpu())
	                      : target_is_x86(&t) ? ISA_AVX2 : ISA_SCALAR;
	if (!host && target_supports_isa(&t, (enum isa)want_isa, &e) < 0)
		die("aot: %s", e.msg);
	if (!host) {
		target_free(&t);
		if (target_foreign(&t, triple, cpu, gen_isa_features((enum isa)want_isa), &e) < 0)
			die("aot: %s", e.msg);
	}

	struct ir_file f;
	if (ir_parse_file(model, &f, &e) < 0)
		die("aot: %s", e.msg);
	if (!f.has_model)
		die("aot: %s describes no model", model);
	struct kernel_spec *specs;
	int n = model_kernel_specs(&f.model, kinds, nk, batches, nb, want_isa, kernel_host_cpu(), &specs, &e);
	if (n < 0)
		die("aot: %s", e.msg);

	size_t hl = strlen(out);
	char *header = xstrdup(out);
	header[hl - 1] = 'h';
	if (aot_emit(&t, host ? kernel_host_cpu() : NULL, specs, n, out, header, &e) < 0)
		die("aot: %s", e.msg);
	fprintf(stderr, "trit: aot: %d kernels for %s (cpu %s) -> %s, %s\n", n, t.triple, t.cpu, out, header);
	free(header);
	free(specs);
	ir_free(&f);
	target_free(&t);
	return 0;
}

#else

int cmd_aot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	die("aot: this trit was built with --without-llvm; 'trit aot' needs LLVM");
}

#endif
