/* tool_cache.c: the kernel object cache of a context: its directory, listing (with validation) and
 * clearing. No LLVM here (warming it is tool_warm.c). */
#include <string.h>

#include "api/tools.h"
#include "jit/cache.h"

int trit_cache_kernels_dir(const trit_ctx *c, char *buf, size_t len, trit_error *err)
{
	if (!c->rt.cache_dir[0])
		return api_failf(err, TRIT_ERR_ARG, "this context has no cache directory");
	cache_kernels_dir(c->rt.cache_dir, buf, len);
	return 0;
}

struct listing {
	FILE *out;
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
	fprintf(l->out, "%s %8llu %5s  %s%s\n", ce->hex, (unsigned long long)ce->size, age, ce->why ? "INVALID: " : "",
	        ce->why ? ce->why : ce->spec);
	l->bad += ce->why != NULL;
	l->bytes += ce->size;
}

int trit_cache_list(trit_ctx *c, FILE *out, int *n_invalid, trit_error *err)
{
	char dir[4200];
	int rc = trit_cache_kernels_dir(c, dir, sizeof dir, err);
	if (rc < 0)
		return rc;
	struct listing l = {out, 0, 0};
	struct error e;
	int n = cache_list(dir, print_entry, &l, &e);
	if (n < 0)
		return api_fail(err, TRIT_ERR_IO, &e);
	fprintf(out, "%d kernel%s, %llu bytes, %d invalid, in %s\n", n, n == 1 ? "" : "s", (unsigned long long)l.bytes,
	        l.bad, dir);
	if (n_invalid)
		*n_invalid = l.bad;
	return n;
}

int trit_cache_clear(trit_ctx *c, trit_error *err)
{
	char dir[4200];
	int rc = trit_cache_kernels_dir(c, dir, sizeof dir, err);
	if (rc < 0)
		return rc;
	struct error e;
	int n = cache_clear(dir, &e);
	return n < 0 ? api_fail(err, TRIT_ERR_IO, &e) : n;
}
