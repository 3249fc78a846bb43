/* trit cache: lists, verifies, clears or warms the kernel object cache (--warm needs LLVM). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "cli/run_common.h"
#include "include/trit.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit cache [--dir | --clear | --verify | --warm MODEL.trit [--kinds i2s,tl1,tl2] [--batch 1,64]]\n"
	           "  (no option)  list the cached kernels: key, size, age, spec\n"
	           "  --dir        print the cache directory\n"
	           "  --clear      remove every cached kernel\n"
	           "  --verify     list and validate every entry; exit 1 if any is invalid\n"
	           "  --warm       JIT every kernel MODEL needs (default kinds i2s, batch 1) and print\n"
	           "               \"compiled N, cached M\"\n");
}

int cmd_cache(int argc, char **argv)
{
	const char *mode = "list";
	trit_cache_warm_options wo;
	trit_cache_warm_options_default(&wo);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--dir") || !strcmp(a, "--clear") || !strcmp(a, "--verify")) {
			mode = a + 2;
		} else if (!strcmp(a, "--warm") && i + 1 < argc) {
			mode = "warm";
			wo.model = argv[++i];
		} else if (!strcmp(a, "--kinds") && i + 1 < argc) {
			wo.kinds = argv[++i];
		} else if (!strcmp(a, "--batch") && i + 1 < argc) {
			wo.batch = argv[++i];
		} else {
			die("cache: unknown or incomplete option '%s' (see trit cache --help)", a);
		}
	}
	if (!strcmp(mode, "warm") && !trit_can_compile())
		die("cache: this trit was built with --without-llvm; 'trit cache --warm' needs LLVM");
	trit_ctx *c = cli_ctx();
	trit_error err;
	char dir[4200];
	if (trit_cache_kernels_dir(c, dir, sizeof dir, &err) < 0)
		die("cache: %s", err.msg);
	if (!strcmp(mode, "dir")) {
		printf("%s\n", dir);
	} else if (!strcmp(mode, "clear")) {
		int n = trit_cache_clear(c, &err);
		if (n < 0)
			die("cache: %s", err.msg);
		printf("removed %d cached kernel%s from %s\n", n, n == 1 ? "" : "s", dir);
	} else if (!strcmp(mode, "warm")) {
		if (trit_cache_warm(c, &wo, stdout, &err) < 0)
			die("cache: %s", err.msg);
	} else {
		int bad;
		if (trit_cache_list(c, stdout, &bad, &err) < 0)
			die("cache: %s", err.msg);
		if (!strcmp(mode, "verify") && bad)
			die("cache: %d invalid entr%s in %s", bad, bad == 1 ? "y" : "ies", dir);
	}
	trit_ctx_finish(c);
	return 0;
}
