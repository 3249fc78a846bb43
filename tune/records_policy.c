/* records_policy.c: which records count and what wins: the default spec of today, the score, the
 * margin a candidate needs, and the best spec per key derived from the duels against the default. */
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "kernel/kernel.h"
#include "kernel/model_specs.h"
#include "tune/tunedb.h"

int tune_default_spec(const struct cpu_info *c, int32_t m, int32_t k, int32_t n, struct kernel_spec *s)
{
	static const enum kernel_kind order[] = {KIND_I2S, KIND_TL2, KIND_TL1};
	for (size_t i = 0; i < COUNTOF(order); i++)
		if (spec_default(s, order[i], isa_best(order[i], n, c), m, k, n, c, NULL) == 0)
			return 0;
	return -1;
}

int tune_judged_against_today(const struct tune_best *b, const struct cpu_info *c)
{
	struct kernel_spec d;
	char x[256], y[256];
	if (tune_default_spec(c, b->spec.m, b->spec.k, b->spec.n, &d) < 0)
		return 0;
	spec_format(&d, x, sizeof x);
	spec_format(&b->against, y, sizeof y);
	return !strcmp(x, y);
}

static int cmp_best(const void *a, const void *b)
{
	const struct tune_best *x = a, *y = b;
	if (x->spec.n != y->spec.n)
		return x->spec.n < y->spec.n ? -1 : 1;
	if (x->spec.m != y->spec.m)
		return x->spec.m < y->spec.m ? -1 : 1;
	if (x->spec.k != y->spec.k)
		return x->spec.k < y->spec.k ? -1 : 1;
	return strcmp(x->key, y->key);
}

double tune_score(int32_t n, double l2, double dram)
{
	double wd = n == 1 ? 0.8 : 0.2;
	return wd * dram + (1 - wd) * l2;
}

int tune_beats_default(int32_t n, double l2, double dram, double dl2, double ddram)
{
	return tune_score(n, l2, dram) <= (1 - TUNE_MARGIN) * tune_score(n, dl2, ddram) &&
	       l2 <= (1 + TUNE_SLACK) * dl2 && dram <= (1 + TUNE_SLACK) * ddram;
}

/* a record derive_best may use: this CPU, this method, measured; its shape and spec into m/k/n/s */
static int usable_record(const struct tune_record *x, const char *cpu, const char *features, int32_t *m,
                         int32_t *k, int32_t *n, struct kernel_spec *s)
{
	if (x->error[0] || strcmp(x->cpu, cpu) || strcmp(x->features, features) || strcmp(x->method, TUNE_METHOD))
		return 0;
	if (!(x->l2 > 0) || !(x->dram > 0) || !(x->time > 0))
		return 0;
	if (tune_parse_shape_key(x->key, m, k, n) < 0 || spec_parse(x->config, s, NULL) < 0)
		return 0;
	return s->m == *m && s->k == *k && s->n == *n;
}

/* per key while deriving */
struct derive_key {
	double dl2, ddram;   /* the default's fastest figures over its records */
	int have_default;
	struct kernel_spec def;
	char defcfg[256];
};

/* per (key, config) of duel records against the current default */
struct derive_cfg {
	int key;
	const char *config;
	struct kernel_spec s;
	int lost;            /* some duel did not tune_beats_default */
	double worst_ratio, worst_time, worst_vs_time;
};

int tunedb_derive_best(const struct tune_record *r, int n, const struct tune_site *site, struct tune_best **out)
{
	const char *cpu = site->cpu_model, *features = site->features;
	int nb = 0, nc = 0;
	*out = n ? xcalloc((size_t)n, sizeof **out) : NULL;
	struct derive_key *dk = n ? xcalloc((size_t)n, sizeof *dk) : NULL;
	struct derive_cfg *dc = n ? xcalloc((size_t)n, sizeof *dc) : NULL;
	int *key_of = n ? xcalloc((size_t)n, sizeof *key_of) : NULL;
	/* pass 1: keys, the default's figures */
	for (int i = 0; i < n; i++) {
		const struct tune_record *x = &r[i];
		struct kernel_spec s;
		int32_t m, k, nn;
		key_of[i] = -1;
		if (!usable_record(x, cpu, features, &m, &k, &nn, &s))
			continue;
		int j;
		for (j = 0; j < nb && strcmp((*out)[j].key, x->key); j++)
			;
		if (j == nb) {
			memset(&(*out)[j], 0, sizeof (*out)[j]);
			snprintf((*out)[j].key, sizeof (*out)[j].key, "%s", x->key);
			(*out)[j].time = (*out)[j].default_time = -1;
			struct kernel_spec d;
			if (tune_default_spec(&site->cpu, m, k, nn, &d) == 0) {
				dk[j].def = d;
				spec_format(&d, dk[j].defcfg, sizeof dk[j].defcfg);
			}
			nb++;
		}
		key_of[i] = j;
		struct derive_key *q = &dk[j];
		if (q->defcfg[0] && !strcmp(q->defcfg, x->config)) {
			q->dl2 = q->have_default ? MIN(q->dl2, x->l2) : x->l2;
			q->ddram = q->have_default ? MIN(q->ddram, x->dram) : x->dram;
			q->have_default = 1;
		}
	}
	/* pass 2: the duels against the current default, per candidate config */
	for (int i = 0; i < n; i++) {
		const struct tune_record *x = &r[i];
		int j = key_of[i];
		if (j < 0 || !x->vs[0] || strcmp(x->vs, dk[j].defcfg) || !(x->vs_l2 > 0) || !(x->vs_dram > 0))
			continue;
		struct kernel_spec s;
		if (spec_parse(x->config, &s, NULL) < 0)
			continue;
		int c;
		for (c = 0; c < nc && (dc[c].key != j || strcmp(dc[c].config, x->config)); c++)
			;
		if (c == nc)
			dc[nc++] = (struct derive_cfg){j, x->config, s, 0, 0, 0, 0};
		double ratio = tune_score(s.n, x->l2, x->dram) / tune_score(s.n, x->vs_l2, x->vs_dram);
		dc[c].lost |= !tune_beats_default(s.n, x->l2, x->dram, x->vs_l2, x->vs_dram);
		if (ratio > dc[c].worst_ratio) {
			dc[c].worst_ratio = ratio;
			dc[c].worst_time = tune_score(s.n, x->l2, x->dram);
			dc[c].worst_vs_time = tune_score(s.n, x->vs_l2, x->vs_dram);
		}
	}
	double *best_ratio = nb ? xcalloc((size_t)nb, sizeof *best_ratio) : NULL;
	for (int j = 0; j < nb; j++) {
		struct tune_best *b = &(*out)[j];
		best_ratio[j] = 1;
		if (dk[j].have_default) {
			b->default_time = b->time = tune_score(dk[j].def.n, dk[j].dl2, dk[j].ddram);
			b->spec = b->against = dk[j].def;
		}
	}
	for (int c = 0; c < nc; c++) {
		int j = dc[c].key;
		if (!dk[j].have_default || dc[c].lost || dc[c].worst_ratio >= best_ratio[j])
			continue;
		best_ratio[j] = dc[c].worst_ratio;
		(*out)[j].spec = dc[c].s;
		(*out)[j].time = dc[c].worst_time;
		(*out)[j].default_time = dc[c].worst_vs_time;
	}
	/* keys without a measurement of today's default: no row */
	int kept = 0;
	for (int j = 0; j < nb; j++)
		if (dk[j].have_default)
			(*out)[kept++] = (*out)[j];
	nb = kept;
	free(best_ratio);
	free(key_of);
	free(dk);
	free(dc);
	if (nb)
		qsort(*out, (size_t)nb, sizeof **out, cmp_best);
	return nb;
}
