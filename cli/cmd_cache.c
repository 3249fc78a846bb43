/* trit cache: lists, verifies, clears or warms the kernel object cache (--warm needs LLVM). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h" /* this build's, found through -I. (the build directory) */
#include "cli/cli.h"
#include "ir/ir.h"
#include "jit/cache.h"
#if TRIT_HAVE_LLVM
#include "jit/jit.h"
#endif
#include "kernel/model_specs.h"

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

struct listing {
	int bad;
	uint64_t bytes;
};

static void print_entry(const struct cache_entry *ce, void *arg)
{
	struct listing *l = arg;
	char age[32];
	if (ce->age < 120)
		snprintf(age, sizeof(age), "%.0fs", ce->age);
	else if (ce->age < 7200)
		snprintf(age, sizeof(age), "%.0fm", ce->age / 60);
	else if (ce->age < 172800)
		snprintf(age, sizeof(age), "%.0fh", ce->age / 3600);
	else
		snprintf(age, sizeof(age), "%.0fd", ce->age / 86400);
	printf("%s %8llu %5s  %s%s\n", ce->hex, (unsigned long long)ce->size, age,
	       ce->why ? "INVALID: " : "", ce->why ? ce->why : ce->spec);
	l->bad += ce->why != NULL;
	l->bytes += ce->size;
}

#if TRIT_HAVE_LLVM
static int warm(const char *model_path, const char *kinds_s, const char *batch_s)
{
	struct error e;
	enum kernel_kind kinds[MAX_LIST];
	int32_t batches[MAX_LIST];
	int nk = parse_kind_list(kinds_s, kinds, &e);
	if (nk < 0)
		die("cache: --kinds: %s", e.msg);
	int nb = parse_batch_list(batch_s, batches, &e);
	if (nb < 0)
		die("cache: --batch: %s", e.msg);
	struct ir_file f;
	if (ir_parse_file(model_path, &f, &e) < 0)
		die("cache: %s", e.msg);
	if (!f.has_model)
		die("cache: %s describes no model", model_path);
	struct kernel_spec *specs;
	int n = model_kernel_specs(&f.model, kinds, nk, batches, nb, -1, kernel_host_cpu(), &specs, &e);
	if (n < 0)
		die("cache: %s", e.msg);
	double t0 = now_seconds();
	struct jit *j = jit_create(&e);
	if (!j)
		die("cache: %s", e.msg);
	for (int i = 0; i < n; i++)
		if (!jit_kernel(j, &specs[i], &e))
			die("cache: %s", e.msg);
	int compiled, hits;
	double secs;
	jit_stats(j, &compiled, &hits, &secs);
	printf("compiled %d, cached %d (%d kernels, %.1f ms in the JIT, %.1f ms total)\n", compiled, hits, n,
	       secs * 1e3, (now_seconds() - t0) * 1e3);
	jit_destroy(j);
	free(specs);
	ir_free(&f);
	return 0;
}
#else
static int warm(const char *model_path, const char *kinds_s, const char *batch_s)
{
	(void)model_path;
	(void)kinds_s;
	(void)batch_s;
	die("cache: this trit was built with --without-llvm; 'trit cache --warm' needs LLVM");
}
#endif

int cmd_cache(int argc, char **argv)
{
	const char *mode = "list", *model = NULL, *kinds = "i2s", *batch = "1";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--dir") || !strcmp(a, "--clear") || !strcmp(a, "--verify")) {
			mode = a + 2;
		} else if (!strcmp(a, "--warm") && i + 1 < argc) {
			mode = "warm";
			model = argv[++i];
		} else if (!strcmp(a, "--kinds") && i + 1 < argc) {
			kinds = argv[++i];
		} else if (!strcmp(a, "--batch") && i + 1 < argc) {
			batch = argv[++i];
		} else {
			die("cache: unknown or incomplete option '%s' (see trit cache --help)", a);
		}
	}
	const char *dir = cache_kernels_dir();
	struct error e;
	if (!strcmp(mode, "dir")) {
		printf("%s\n", dir);
		return 0;
	}
	if (!strcmp(mode, "clear")) {
		int n = cache_clear(dir, &e);
		if (n < 0)
			die("cache: %s", e.msg);
		printf("removed %d cached kernel%s from %s\n", n, n == 1 ? "" : "s", dir);
		return 0;
	}
	if (!strcmp(mode, "warm"))
		return warm(model, kinds, batch);
	struct listing l = {0, 0};
	int n = cache_list(dir, print_entry, &l, &e);
	if (n < 0)
		die("cache: %s", e.msg);
	printf("%d kernel%s, %llu bytes, %d invalid, in %s\n", n, n == 1 ? "" : "s",
	       (unsigned long long)l.bytes, l.bad, dir);
	if (!strcmp(mode, "verify") && l.bad)
		die("cache: %d invalid entr%s in %s", l.bad, l.bad == 1 ? "y" : "ies", dir);
	return 0;
}
