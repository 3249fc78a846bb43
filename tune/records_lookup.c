/* records_lookup.c: the runtime's view of best.tsv: read once per process (thread-safe), a row used
 * only when its spec is legal and available here and it was judged against today's default. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/model_specs.h"
#include "tune/tunedb.h"

static pthread_mutex_t lookup_lock = PTHREAD_MUTEX_INITIALIZER;
static int lookup_loaded;
static struct tune_best *lookup_rows;
static int lookup_n;

static void lookup_load(void)
{
	if (lookup_loaded)
		return;
	lookup_loaded = 1;
	lookup_n = 0;
	char path[4300];
	struct error e;
	snprintf(path, sizeof path, "%s/best.tsv", tunedb_dir());
	int n = tunedb_read_best(path, tune_host_cpu(), tune_host_features(), &lookup_rows, &e);
	if (n < 0)
		warn("ignoring the tuning table: %s", e.msg);
	lookup_n = n < 0 ? 0 : n;
}

int tunedb_lookup(int32_t m, int32_t k, int32_t n, struct kernel_spec *out)
{
	int rc = -1;
	pthread_mutex_lock(&lookup_lock);
	lookup_load();
	for (int i = 0; i < lookup_n; i++) {
		const struct kernel_spec *s = &lookup_rows[i].spec;
		if (s->m == m && s->k == k && s->n == n && spec_legal(s, NULL) == 0 &&
		    isa_available(s->isa, kernel_host_cpu()) && tune_judged_against_today(&lookup_rows[i])) {
			*out = *s;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&lookup_lock);
	return rc;
}

int tunedb_count(void)
{
	pthread_mutex_lock(&lookup_lock);
	lookup_load();
	int n = lookup_n;
	pthread_mutex_unlock(&lookup_lock);
	return n;
}

void tunedb_reset(void)
{
	pthread_mutex_lock(&lookup_lock);
	free(lookup_rows);
	lookup_rows = NULL;
	lookup_n = 0;
	lookup_loaded = 0;
	pthread_mutex_unlock(&lookup_lock);
}
