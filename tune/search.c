/* search.c: the autotuner's search (see tune.h). The parent never touches LLVM: each candidate is
 * a trial (trial.h) in a forked child (sandbox.h), so a crash, an LLVM abort or a hang costs one
 * record ("crashed: signal 11", "timed out after ..."), not the run. Each candidate is timed on one
 * thread by tune/kmeasure.h exactly as `trit bench --kernels` times it (an L2 slice, and
 * round-robin over > L3 of weight copies that the parent packs once per shape and kind and the
 * children share through fork), and ranked by tune_score (tunedb.h).
 * Search per key: the default first, then seeds (its prefetch variants, other kinds, ISA tiers),
 * then first-improvement hill climbing over one-knob neighbours until the key's share of the
 * budget is spent (less the time kept for duels) or no unmeasured neighbour is left. Then up to
 * MAX_DUELS of the best promising candidates, one at a time, duel the default: both timed in turns
 * in one child; the first that tune_beats_default there (a clear margin, not slower in L2 nor from
 * DRAM) wins the key, else the default stays. requires: llvm */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kernel/kernel.h"
#include "tune/trial.h"
#include "tune/tune.h"
#include "tune/tunedb.h"

#define MAX_CANDIDATES 64
#define TOP_KEEP 8   /* the best candidates kept per key for the duels at its end */
#define MAX_DUELS 3  /* duels with the default per key at most */

void tune_default_options(struct tune_options *o)
{
	memset(o, 0, sizeof *o);
	o->budget = 60;
	o->batches[0] = 1;
	o->batches[1] = 64;
	o->nbatches = 2;
	for (int i = 0; i < KIND_COUNT; i++)
		o->kinds[i] = (enum kernel_kind)i;
	o->nkinds = KIND_COUNT;
	o->candidate_timeout = 20;
	o->reps = 5;
}

int tune_model_shapes(const struct model_desc *m, int32_t (*shapes)[2], int max)
{
	int n = 0;
	for (int i = 0; i < m->n_linear; i++) {
		int j;
		for (j = 0; j < n && (shapes[j][0] != m->linear[i].m || shapes[j][1] != m->linear[i].k); j++)
			;
		if (j == n && n < max) {
			shapes[n][0] = m->linear[i].m;
			shapes[n][1] = m->linear[i].k;
			n++;
		}
	}
	return n;
}

struct key_state {
	char measured[MAX_CANDIDATES * 4][256];
	int nmeasured;
	struct kernel_spec best;
	double best_score;            /* < 0: nothing measured yet */
	double best_l2, best_dram;
	int have_default;
	double default_l2, default_dram;
	double spent;                 /* seconds in try_candidate, over tries calls */
	int tries;
	double duel_l2, duel_dram;    /* the default's figures in the duel its winner won */
	struct kernel_spec top[TOP_KEEP]; /* the best-scoring candidates that beat the default so far */
	double top_score[TOP_KEEP], top_l2[TOP_KEEP], top_dram[TOP_KEEP];
	int ntop;
};

static int was_measured(const struct key_state *ks, const struct kernel_spec *s)
{
	char t[256];
	spec_format(s, t, sizeof t);
	for (int i = 0; i < ks->nmeasured; i++)
		if (!strcmp(ks->measured[i], t))
			return 1;
	return 0;
}

struct run {
	const struct tune_options *o;
	struct tune_summary *sum;
	const char *records;
	double end; /* budget end */
	const struct tune_site *site;
	const struct cpu_info *cpu; /* the site's */
	int shape_i, nshapes;
	int crash_pending;  /* o->crash_test, until the first trial */
};

/* 1 when the caller asked the run to stop */
static int stopped(const struct run *run) { return run->o->stop && *run->o->stop; }

static void progress(const struct run *run, const struct key_state *ks, const struct shape_data *d, int key_done)
{
	if (!run->o->progress)
		return;
	double left = run->end - now_seconds();
	struct tune_progress p = {run->sum->keys, run->sum->keys_done, run->sum->candidates, run->sum->errors,
	                          d->m, d->k, d->n, ks->best_score, ks->best.kind, left > 0 ? left : 0, key_done};
	run->o->progress(run->o->progress_user, &p);
}

/* whether a candidate measured (l2, dram) in the search may go on to duel the default: its score is
 * TUNE_MARGIN lower than the default's, and neither residency is more than SEARCH_SLACK slower. The
 * default was timed at another moment (the other hyperthread of the core may have been busy), so
 * this is looser than tune_beats_default, which the duel applies to figures taken in turns. */
#define SEARCH_SLACK 0.05
static int promising(int32_t n, double l2, double dram, double dl2, double ddram)
{
	return tune_score(n, l2, dram) <= (1 - TUNE_MARGIN) * tune_score(n, dl2, ddram) &&
	       l2 <= (1 + SEARCH_SLACK) * dl2 && dram <= (1 + SEARCH_SLACK) * ddram;
}

/* whether a measured candidate becomes the key's best (the hill climb's centre): the default only
 * yields to a promising candidate; without a default figure the best score wins */
static int becomes_best(const struct key_state *ks, int32_t n, double l2, double dram, int is_default)
{
	if (is_default)
		return !ks->have_default || ks->best_score < 0; /* the first figure of the incumbent */
	if (ks->have_default && !promising(n, l2, dram, ks->default_l2, ks->default_dram))
		return 0;
	return ks->best_score < 0 || tune_score(n, l2, dram) < ks->best_score;
}

/* appends the record of one measured spec (vs: the default's figures of a duel, or NULL) */
static void write_record(struct run *run, const struct shape_data *d, const struct kernel_spec *s,
                         const struct one_result *r, const struct kernel_spec *vs, const struct one_result *vr)
{
	struct tune_record rec;
	memset(&rec, 0, sizeof rec);
	tune_key(d->m, d->k, d->n, run->site->cpu_model, run->site->features, rec.key, sizeof rec.key);
	spec_format(s, rec.config, sizeof rec.config);
	snprintf(rec.method, sizeof rec.method, "%s", TUNE_METHOD);
	if (r->ok) {
		rec.l2 = r->l2;
		rec.dram = r->dram;
		rec.time = tune_score(d->n, r->l2, r->dram);
		rec.nreps = r->nl2;
		memcpy(rec.reps, r->l2_reps, sizeof rec.reps);
		rec.ndram = r->ndram;
		memcpy(rec.dram_reps, r->dram_reps, sizeof rec.dram_reps);
		if (vs && vr && vr->ok) {
			spec_format(vs, rec.vs, sizeof rec.vs);
			rec.vs_l2 = vr->l2;
			rec.vs_dram = vr->dram;
		}
	} else {
		rec.time = -1;
		snprintf(rec.error, sizeof rec.error, "%s", r->error[0] ? r->error : "failed");
	}
	tune_record_stamp(&rec, run->site, TRIT_LLVM_VERSION);
	struct error e;
	if (tunedb_append(run->records, &rec, &e) < 0)
		log_to(&run->o->log, LOG_WARN, "%s", e.msg);
	run->sum->candidates++;
	if (!r->ok)
		run->sum->errors++;
}

/* measures ns specs in a sandbox of the given timeout (trial_measure); -1 when the run must stop */
static int run_trial(struct run *run, const struct kernel_spec *s, int ns, struct shape_data *d, double timeout,
                     struct child_result *cr)
{
	struct sandbox sb = {timeout, run->crash_pending, run->o->stop};
	run->crash_pending = 0;
	return trial_measure(run->site, s, ns, d, run->o->reps, &sb, cr);
}

/* keeps s (measured l2, dram) among the TOP_KEEP best-scoring candidates */
static void add_top(struct key_state *ks, const struct kernel_spec *s, int32_t n, double l2, double dram)
{
	double score = tune_score(n, l2, dram);
	int i;
	if (ks->ntop < TOP_KEEP)
		i = ks->ntop++;
	else if (score < ks->top_score[TOP_KEEP - 1])
		i = TOP_KEEP - 1;
	else
		return;
	for (; i > 0 && ks->top_score[i - 1] > score; i--) {
		ks->top[i] = ks->top[i - 1];
		ks->top_score[i] = ks->top_score[i - 1];
		ks->top_l2[i] = ks->top_l2[i - 1];
		ks->top_dram[i] = ks->top_dram[i - 1];
	}
	ks->top[i] = *s;
	ks->top_score[i] = score;
	ks->top_l2[i] = l2;
	ks->top_dram[i] = dram;
}

/* measures one candidate and records it; -1 when the run must stop */
static int try_candidate(struct run *run, struct key_state *ks, struct shape_data *d,
                         const struct kernel_spec *s, int is_default)
{
	double start = now_seconds(), left = run->end - start;
	if (stopped(run) || left < 0.05)
		return -1;
	struct child_result cr;
	double timeout = MIN(run->o->candidate_timeout, left);
	if (run_trial(run, s, 1, d, timeout, &cr) < 0)
		return -1;
	const struct one_result *r = &cr.r[0];
	if (!r->ok && !strncmp(r->error, "timed out", 9) && timeout < run->o->candidate_timeout)
		return -1; /* cut by the budget, not the candidate's fault: not a measurement */
	if (ks->nmeasured < (int)COUNTOF(ks->measured))
		spec_format(s, ks->measured[ks->nmeasured++], sizeof ks->measured[0]);
	write_record(run, d, s, r, NULL, NULL);
	ks->spent += now_seconds() - start;
	ks->tries++;
	if (r->ok && !is_default && ks->have_default &&
	    promising(d->n, r->l2, r->dram, ks->default_l2, ks->default_dram))
		add_top(ks, s, d->n, r->l2, r->dram);
	if (r->ok && becomes_best(ks, d->n, r->l2, r->dram, is_default)) {
		ks->best_score = tune_score(d->n, r->l2, r->dram);
		ks->best_l2 = r->l2;
		ks->best_dram = r->dram;
		ks->best = *s;
	}
	if (r->ok && is_default) {
		ks->have_default = 1;
		ks->default_l2 = r->l2;
		ks->default_dram = r->dram;
	}
	progress(run, ks, d, 0);
	return 0;
}

/* the duel: the default and candidate w measured in turns in one child and recorded, w's record
 * carrying the default's figures; 1 when w tune_beats_default there (then it is ks->best), 0 when
 * not (or either failed), -1 when the run must stop */
static int duel(struct run *run, struct key_state *ks, struct shape_data *d, const struct kernel_spec *def,
                const struct kernel_spec *w)
{
	double left = run->end - now_seconds();
	if (stopped(run) || left < 0.05)
		return -1;
	struct kernel_spec two[2] = {*def, *w};
	struct child_result cr;
	double timeout = MIN(run->o->candidate_timeout, left);
	if (run_trial(run, two, 2, d, timeout, &cr) < 0)
		return -1;
	if (!cr.r[0].ok && !strncmp(cr.r[0].error, "timed out", 9) && timeout < run->o->candidate_timeout)
		return -1;
	write_record(run, d, &two[0], &cr.r[0], NULL, NULL);
	write_record(run, d, &two[1], &cr.r[1], &two[0], &cr.r[0]);
	progress(run, ks, d, 0);
	if (!cr.r[0].ok || !cr.r[1].ok)
		return 0;
	/* the default's fastest figures so far: later duels go to candidates that still beat them */
	ks->default_l2 = MIN(ks->default_l2, cr.r[0].l2);
	ks->default_dram = MIN(ks->default_dram, cr.r[0].dram);
	if (!tune_beats_default(d->n, cr.r[1].l2, cr.r[1].dram, cr.r[0].l2, cr.r[0].dram))
		return 0;
	ks->best = *w;
	ks->duel_l2 = cr.r[0].l2;
	ks->duel_dram = cr.r[0].dram;
	ks->best_l2 = cr.r[1].l2;
	ks->best_dram = cr.r[1].dram;
	ks->best_score = tune_score(d->n, cr.r[1].l2, cr.r[1].dram);
	return 1;
}

/* tunes one key until its deadline; -1 when the whole run must stop */
static int tune_key_search(struct run *run, struct shape_data *d, double deadline)
{
	static struct key_state ks;
	memset(&ks, 0, sizeof ks);
	ks.best_score = -1;
	struct kernel_spec seeds[MAX_CANDIDATES], def;
	int have_def = tune_default_spec(run->cpu, d->m, d->k, d->n, &def) == 0;
	int ns = tune_seed_candidates(d->m, d->k, d->n, run->o->kinds, run->o->nkinds, run->cpu, seeds,
	                              MAX_CANDIDATES);
	FILE *out = run->o->out;
	if (ns == 0) {
		if (out)
			fprintf(out, "m=%d k=%d n=%d: no kernel kind can hold this shape; skipped\n", d->m, d->k, d->n);
		return 0;
	}
	int stop = 0;
	/* the search leaves time for a duel or two with the default at the end */
#define SEARCH_OPEN() (now_seconds() < deadline - (ks.tries ? 3 * ks.spent / ks.tries : 0))
	for (int i = 0; i < ns && !stop && (i == 0 || SEARCH_OPEN()); i++)
		stop = try_candidate(run, &ks, d, &seeds[i], have_def && tune_same_spec(&seeds[i], &def)) < 0;
	/* hill climbing from the best so far: the first improving neighbour becomes the centre */
	while (!stop && ks.best_score > 0 && SEARCH_OPEN()) {
		struct kernel_spec nb[MAX_CANDIDATES];
		int nn = tune_neighbours(&ks.best, run->cpu, nb, MAX_CANDIDATES), improved = 0, tried = 0;
		for (int i = 0; i < nn && !stop && !improved && SEARCH_OPEN(); i++) {
			if (was_measured(&ks, &nb[i]))
				continue;
			double before = ks.best_score;
			tried++;
			stop = try_candidate(run, &ks, d, &nb[i], 0) < 0;
			improved = ks.best_score < before;
		}
		if (!tried)
			break; /* a local optimum: every neighbour measured */
	}
#undef SEARCH_OPEN
	/* a winner other than the default must beat it again, measured in turns with it (a duel;
	 * tunedb_derive_best judges by the duels): the best-scoring candidate first, then, while the
	 * key has time, the next that still beats the default's fastest figures so far */
	if (ks.have_default && !tune_same_spec(&ks.best, &def)) {
		int won = 0, duels = 0;
		for (int i = 0; i < ks.ntop && !stop && !won && duels < MAX_DUELS && (!duels || now_seconds() < deadline);
		     i++) {
			if (duels && !promising(d->n, ks.top_l2[i], ks.top_dram[i], ks.default_l2, ks.default_dram))
				continue;
			duels++;
			won = duel(run, &ks, d, &def, &ks.top[i]);
			stop = won < 0;
		}
		if (won <= 0) {
			ks.best = def;
			ks.best_l2 = ks.default_l2;
			ks.best_dram = ks.default_dram;
			ks.best_score = tune_score(d->n, ks.default_l2, ks.default_dram);
		}
	}
	run->sum->keys_done++;
	progress(run, &ks, d, 1);
	if (!out)
		return stop ? -1 : 0;
	char spec[256] = "(none measured)";
	if (ks.best_score > 0)
		spec_format(&ks.best, spec, sizeof spec);
	int is_def = ks.have_default && have_def && tune_same_spec(&ks.best, &def);
	fprintf(out, "m=%d k=%d n=%d: %d measured, best %s%s", d->m, d->k, d->n, ks.nmeasured, spec,
	       is_def ? " (= default)" : "");
	if (ks.best_score > 0)
		fprintf(out, " L2 %.3f ms, DRAM %.3f ms (%.1f G weights/s)", ks.best_l2 * 1e3, ks.best_dram * 1e3,
		       (double)d->m * d->k * d->n / ks.best_score * 1e-9);
	if (ks.have_default && ks.best_score > 0 && !is_def)
		fprintf(out, ", default in the duel L2 %.3f ms, DRAM %.3f ms, x%.2f", ks.duel_l2 * 1e3, ks.duel_dram * 1e3,
		       tune_score(d->n, ks.duel_l2, ks.duel_dram) / ks.best_score);
	fprintf(out, "\n");
	fflush(out);
	return stop ? -1 : 0;
}

int tune_model(const struct model_desc *m, const struct tune_options *o, struct tune_summary *sum,
               struct error *e)
{
	double start = now_seconds();
	memset(sum, 0, sizeof *sum);
	int32_t shapes[MODEL_MAX_LINEARS][2];
	int nshapes = tune_model_shapes(m, shapes, MODEL_MAX_LINEARS);
	if (nshapes == 0)
		return errorf(e, "model %s has no BitLinear shapes to tune", m->name);
	if (o->nbatches < 1 || o->nkinds < 1)
		return errorf(e, "nothing to tune: no batch sizes or no kinds");
	char records[4300];
	if (o->records)
		snprintf(records, sizeof records, "%s", o->records);
	else if (o->site->dir[0])
		snprintf(records, sizeof records, "%s/records.jsonl", o->site->dir);
	else
		return errorf(e, "tuning records need a cache directory (none is set)");
	struct run run = {o, sum, records, start + o->budget, o->site, &o->site->cpu, 0, nshapes, o->crash_test};
	sum->keys = nshapes * o->nbatches;
	int stop = 0;
	for (int i = 0; i < nshapes && !stop; i++) {
		struct shape_data d;
		shape_make(&d, shapes[i][0], shapes[i][1], 0x7475e0 + (uint64_t)i, km_dram_total(run.cpu));
		for (int b = 0; b < o->nbatches && !stop; b++) {
			shape_set_batch(&d, o->batches[b], 0x5eed + (uint64_t)(i * 31 + b));
			int keys_left = sum->keys - sum->keys_done;
			double now = now_seconds();
			double deadline = now + (run.end - now) / (keys_left > 0 ? keys_left : 1);
			stop = tune_key_search(&run, &d, deadline) < 0;
		}
		shape_free(&d);
		if (stopped(&run))
			stop = 1;
	}
	sum->interrupted = stopped(&run);
	if (!o->records && tunedb_rebuild(o->site, NULL, e) < 0)
		return -1;
	sum->seconds = now_seconds() - start;
	return 0;
}
