/* tool_tune.c: trit_tune (the autotuner of tune/tune.c, which needs LLVM) and trit_tune_show (the
 * tuned table from the records, in any build). The records live in the context's cache directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "config.h"
#include "format/gguf.h"
#include "format/model_meta.h"
#include "kernel/model_specs.h"
#include "tune/tunedb.h"
#if TRIT_HAVE_LLVM
#include "tune/tune.h"
#endif

void trit_tune_options_default(trit_tune_options *o)
{
	memset(o, 0, sizeof(*o));
	o->budget = 60;
	o->candidate_timeout = 20;
	o->reps = 5;
}

/* the context's tuning site; -1 when the context has no cache directory */
static const struct tune_site *site_of(const trit_ctx *c, trit_error *err)
{
	if (!c->rt.site.dir[0]) {
		api_failf(err, TRIT_ERR_ARG, "tuning records need a cache directory (the context has none)");
		return NULL;
	}
	return &c->rt.site;
}

/* the site's records rederived into best.tsv (*best, malloc'd, *nb rows), and how many records the log
 * holds, how many of them are errors, how many come from other CPUs */
static int rebuild_and_count(const struct tune_site *site, struct tune_best **best, int *nb, int *n, int *errors,
                             int *other, trit_error *err)
{
	char path[4300];
	struct error e;
	snprintf(path, sizeof path, "%s/records.jsonl", site->dir);
	struct tune_record *r;
	*other = *errors = 0;
	if ((*n = tunedb_read(path, &site->log, &r, &e)) < 0)
		return api_fail(err, TRIT_ERR_IO, &e);
	for (int i = 0; i < *n; i++) {
		if (strcmp(r[i].cpu, site->cpu_model) || strcmp(r[i].features, site->features))
			(*other)++;
		else if (r[i].error[0])
			(*errors)++;
	}
	*nb = tunedb_write_derived(site, r, *n, best, &e);
	free(r);
	return *nb < 0 ? api_fail(err, TRIT_ERR_IO, &e) : 0;
}

int trit_tune_show(trit_ctx *c, FILE *out, trit_error *err)
{
	const struct tune_site *site = site_of(c, err);
	if (!site)
		return TRIT_ERR_ARG;
	struct tune_best *b;
	int nb = 0, n, errors, other, rc;
	if ((rc = rebuild_and_count(site, &b, &nb, &n, &errors, &other, err)) < 0)
		return rc;
	tune_table_reset(&c->rt.records);
	fprintf(out, "tuned kernels for %s (%s)\n", site->cpu_model, site->features);
	fprintf(out, "%d records (%d errors) from this CPU, %d from other CPUs ignored; %s/records.jsonl\n", n - other,
	        errors, other, site->dir);
	if (nb == 0) {
		fprintf(out, "no tuned shapes yet: run 'trit tune MODEL'\n");
		free(b);
		return TRIT_OK;
	}
	fprintf(out, "%-12s %5s %10s %10s %10s %8s  %s\n", "shape", "batch", "time_ms", "Gweights/s", "default_ms",
	        "speedup", "winner");
	for (int i = 0; i < nb; i++) {
		const struct kernel_spec *s = &b[i].spec;
		char shape[32], spec[256], def[16] = "-", speed[16] = "-";
		snprintf(shape, sizeof shape, "%dx%d", s->m, s->k);
		spec_format(s, spec, sizeof spec);
		if (b[i].default_time > 0) {
			snprintf(def, sizeof def, "%.4f", b[i].default_time * 1e3);
			snprintf(speed, sizeof speed, "x%.2f", b[i].default_time / b[i].time);
		}
		struct kernel_spec d;
		char dspec[256] = "";
		if (tune_default_spec(&site->cpu, s->m, s->k, s->n, &d) == 0)
			spec_format(&d, dspec, sizeof dspec);
		fprintf(out, "%-12s %5d %10.4f %10.1f %10s %8s  %s%s\n", shape, s->n, b[i].time * 1e3,
		        (double)s->m * s->k * s->n / b[i].time * 1e-9, def, speed, spec + strlen("kernel "),
		        !strcmp(dspec, spec) ? " (= default)" : "");
	}
	free(b);
	return TRIT_OK;
}

#if TRIT_HAVE_LLVM
struct progress_relay {
	const trit_tune_options *o;
};

static void relay_progress(void *user, const struct tune_progress *p)
{
	const trit_tune_options *o = ((const struct progress_relay *)user)->o;
	trit_tune_progress q = {p->keys,     p->keys_done, p->candidates,
	                        p->errors,   p->m,         p->k,
	                        p->n,        p->best_score > 0 ? p->best_score * 1e3 : 0,
	                        kind_name(p->best_kind), p->seconds_left,
	                        p->key_done};
	o->progress(o->progress_user, &q);
}

int trit_tune(trit_ctx *c, const char *model, const trit_tune_options *opt, FILE *out, trit_tune_result *res,
              trit_error *err)
{
	trit_tune_options def;
	if (!opt) {
		trit_tune_options_default(&def);
		opt = &def;
	}
	const struct tune_site *site = site_of(c, err);
	if (!site)
		return TRIT_ERR_ARG;
	int rc;
	struct tune_options o;
	struct error e;
	tune_default_options(&o);
	o.budget = opt->budget;
	o.candidate_timeout = opt->candidate_timeout;
	o.reps = opt->reps;
	o.crash_test = opt->crash_test;
	o.stop = opt->stop;
	o.site = site;
	o.out = out;
	struct progress_relay relay = {opt};
	if (opt->progress) {
		o.progress = relay_progress;
		o.progress_user = &relay;
	}
	o.log = c->rt.cfg.log;
	if (opt->batches && (o.nbatches = parse_batch_list(opt->batches, o.batches, &e)) < 0)
		return api_failf(err, TRIT_ERR_ARG, "--batch: %s", e.msg);
	if (opt->kinds && (o.nkinds = parse_kind_list(opt->kinds, o.kinds, &e)) < 0)
		return api_failf(err, TRIT_ERR_ARG, "--kinds: %s", e.msg);
	struct model_desc m;
	if (model_desc_load(model, &m, &e) < 0)
		return api_fail(err, TRIT_ERR_FORMAT, &e);
	if (out) {
		fprintf(out, "tuning %s on %s: budget %.0f s, %d batch class%s\n", m.name, site->cpu_model, o.budget,
		        o.nbatches, o.nbatches > 1 ? "es" : "");
		fflush(out);
	}
	struct tune_summary sum;
	rc = tune_model(&m, &o, &sum, &e); /* records.jsonl and the best.tsv derived from it */
	tune_table_reset(&c->rt.records);
	if (rc < 0)
		return api_fail(err, TRIT_ERR_ARG, &e);
	if (out)
		fprintf(out, "%s%d of %d shape/batch keys tuned, %d candidates measured (%d errors) in %.1f s; records in %s/\n",
		        sum.interrupted ? "interrupted: " : "", sum.keys_done, sum.keys, sum.candidates, sum.errors,
		        sum.seconds, site->dir);
	if (res)
		*res = (trit_tune_result){sum.keys, sum.keys_done, sum.candidates, sum.errors, sum.interrupted, sum.seconds};
	return TRIT_OK;
}
#else
int trit_tune(trit_ctx *c, const char *model, const trit_tune_options *o, FILE *out, trit_tune_result *r,
              trit_error *err)
{
	(void)c, (void)model, (void)o, (void)out, (void)r;
	return api_failf(err, TRIT_ERR_UNSUPPORTED,
	                 "this trit was built without LLVM: tuning needs the JIT (trit tune --show still works)");
}
#endif
