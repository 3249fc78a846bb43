/* trit aot: compiles every kernel a model needs, for any target, into one object plus a header
 * that a runtime built without LLVM can link. Needs LLVM: a --without-llvm build says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "cli/run_common.h"
#include "include/trit.h"

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
	if (!trit_can_compile())
		die("aot: this trit was built with --without-llvm; 'trit aot' needs LLVM");
	trit_aot_options o;
	trit_aot_options_default(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--target") && more) {
			o.triple = argv[++i];
		} else if (!strcmp(a, "--cpu") && more) {
			o.cpu = argv[++i];
		} else if (!strcmp(a, "--isa") && more) {
			o.isa = argv[++i];
		} else if (!strcmp(a, "--kinds") && more) {
			o.kinds = argv[++i];
		} else if (!strcmp(a, "--batch") && more) {
			o.batch = argv[++i];
		} else if (!strcmp(a, "-o") && more) {
			o.output = argv[++i];
		} else if (a[0] == '-') {
			die("aot: unknown or incomplete option '%s' (see trit aot --help)", a);
		} else if (!o.model) {
			o.model = a;
		} else {
			die("aot: more than one model given ('%s' and '%s')", o.model, a);
		}
	}
	if (!o.model)
		die("aot: missing MODEL.trit (see trit aot --help)");
	if (!o.output)
		die("aot: missing -o OUTPUT.o");
	trit_ctx *c = cli_ctx();
	trit_error err;
	if (trit_aot(c, &o, &err) < 0)
		die("aot: %s", err.msg);
	trit_ctx_finish(c);
	return 0;
}
