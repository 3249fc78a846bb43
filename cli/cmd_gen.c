/* trit gen: prints a kernel's optimised LLVM IR or assembly. Needs LLVM: a --without-llvm build says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "cli/run_common.h"
#include "cli/spec_words.h"
#include "include/trit.h"

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

int cmd_gen(int argc, char **argv)
{
	if (!trit_can_compile())
		die("gen: this trit was built with --without-llvm; 'trit gen' needs LLVM");
	trit_gen_options o;
	trit_gen_options_default(&o);
	char spec_text[1024] = "";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strncmp(a, "--emit=", 7)) {
			o.emit = a + 7;
		} else if (!strcmp(a, "--emit") && i + 1 < argc) {
			o.emit = argv[++i];
		} else if (!strcmp(a, "--no-opt")) {
			o.no_opt = 1;
		} else if (!strcmp(a, "--target") && i + 1 < argc) {
			o.triple = argv[++i];
		} else if (!strcmp(a, "--cpu") && i + 1 < argc) {
			o.cpu = argv[++i];
		} else if (a[0] == '-') {
			die("gen: unknown or incomplete option '%s' (see trit gen --help)", a);
		} else {
			if (cli_spec_append(spec_text, sizeof(spec_text), a) < 0)
				die("gen: spec too long");
		}
	}
	if (!spec_text[0])
		die("gen: missing SPEC (e.g. trit gen \"i2s m=256 k=256 isa=avx2\")");
	if (strcmp(o.emit, "ll") && strcmp(o.emit, "asm"))
		die("gen: --emit must be ll or asm, got '%s'", o.emit);
	o.spec = spec_text;
	trit_ctx *c = cli_ctx();
	trit_error err;
	if (trit_gen(c, &o, stdout, &err) < 0)
		die("gen: %s", err.msg);
	trit_ctx_finish(c);
	return 0;
}
