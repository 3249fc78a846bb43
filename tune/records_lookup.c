/* records_lookup.c: the runtime's view of a site's best.tsv: read on first use (thread-safe), a row
 * used only when its spec is legal and available on the site's CPU and it was judged against
 * today's default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "tune/tunedb.h"

void tune_table_init(struct tune_table *t, const struct tune_site *site, struct log_sink log)
{
	memset(t, 0, sizeof(*t));
	t->site = site;
	t->log = log;
	pthread_mutex_init(&t->lock, NULL);
}

void tune_table_free(struct tune_table *t)
{
	free(t->rows);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

/* reads best.tsv once; the caller holds the lock */
static void load(struct tune_table *t)
{
	if (t->loaded)
		return;
	t->loaded = 1;
	t->n = 0;
	if (!t->site->dir[0])
		return;
	char path[4300];
	struct error e;
	snprintf(path, sizeof path, "%s/best.tsv", t->site->dir);
	int n = tunedb_read_best(path, t->site->cpu_model, t->site->features, &t->rows, &e);
	if (n < 0)
		log_to(&t->log, LOG_WARN, "ignoring the tuning table: %s", e.msg);
	t->n = n < 0 ? 0 : n;
}

int tune_table_lookup(struct tune_table *t, int32_t m, int32_t k, int32_t n, struct kernel_spec *out)
{
	int rc = -1;
	pthread_mutex_lock(&t->lock);
	load(t);
	for (int i = 0; i < t->n; i++) {
		const struct kernel_spec *s = &t->rows[i].spec;
		if (s->m == m && s->k == k && s->n == n && spec_legal(s, NULL) == 0 &&
		    isa_available(s->isa, &t->site->cpu) && tune_judged_against_today(&t->rows[i], &t->site->cpu)) {
			*out = *s;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int tune_table_count(struct tune_table *t)
{
	pthread_mutex_lock(&t->lock);
	load(t);
	int n = t->n;
	pthread_mutex_unlock(&t->lock);
	return n;
}

void tune_table_reset(struct tune_table *t)
{
	pthread_mutex_lock(&t->lock);
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
	t->loaded = 0;
	pthread_mutex_unlock(&t->lock);
}
