/* cmd_info.c: `trit info -m FILE`: a model file's architecture, hyper-parameters, tokenizer and
 * tensors, the kernels `trit run` would pick for its linears (tuned or heuristic; JIT, AOT or
 * reference) and the state of the kernel cache and the tuning records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "cli/run_common.h"
#include "include/trit.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit info -m FILE\n"
	           "Prints a GGUF model's architecture, name, hyper-parameters, tokenizer summary and its\n"
	           "tensors (name, type, shape, bytes) with totals.\n\n"
	           "  -m, --model FILE   the GGUF file\n"
	           "  -h, --help         this text\n");
}

int cmd_info(int argc, char **argv)
{
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
			if (i + 1 >= argc)
				die("info: %s needs a file", a);
			path = argv[++i];
		} else if (a[0] != '-' && !path) {
			path = a;
		} else {
			die("info: unknown option '%s' (see trit info --help)", a);
		}
	}
	if (!path)
		die("info: missing -m FILE (see trit info --help)");
	trit_ctx *c = cli_ctx();
	trit_error err;
	if (trit_info(c, path, stdout, &err) < 0)
		die("%s", err.msg);
	trit_ctx_finish(c);
	return 0;
}
