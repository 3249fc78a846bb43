/* trit kernel: runs one kernel spec on weight and activation files, calling the JIT'd code
 * through libffi with the signature the generated IR declares. Needs LLVM: a --without-llvm build says so. */
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
	fprintf(f, "usage: trit kernel SPEC --in W.bin X.bin [--packed] [--out Y.bin]\n"
	           "  SPEC      a kernel spec, e.g. \"i2s m=256 k=256 n=1\" (omitted fields take defaults)\n"
	           "  W.bin     the ternary weights, int8 m×k row-major (values -1, 0, 1), or with\n"
	           "            --packed the spec's packed layout (pack_size bytes)\n"
	           "  X.bin     int8 activations, n×k row-major\n"
	           "  --out     write the int32 outputs (n×m, little-endian) to Y.bin instead of printing them\n");
}

int cmd_kernel(int argc, char **argv)
{
	if (!trit_can_compile())
		die("kernel: this trit was built with --without-llvm; 'trit kernel' needs LLVM");
	trit_kernel_options o;
	trit_kernel_options_default(&o);
	char spec_text[1024] = "";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--in") && i + 2 < argc) {
			o.weights = argv[++i];
			o.activations = argv[++i];
		} else if (!strcmp(a, "--out") && i + 1 < argc) {
			o.output = argv[++i];
		} else if (!strcmp(a, "--packed")) {
			o.packed = 1;
		} else if (a[0] == '-') {
			die("kernel: unknown or incomplete option '%s' (see trit kernel --help)", a);
		} else {
			if (cli_spec_append(spec_text, sizeof(spec_text), a) < 0)
				die("kernel: spec too long");
		}
	}
	if (!spec_text[0])
		die("kernel: missing SPEC (see trit kernel --help)");
	if (!o.weights)
		die("kernel: missing --in W.bin X.bin");
	o.spec = spec_text;
	trit_ctx *c = cli_ctx();
	trit_error err;
	if (trit_kernel_run(c, &o, stdout, &err) < 0)
		die("kernel: %s", err.msg);
	trit_ctx_finish(c);
	return 0;
}
