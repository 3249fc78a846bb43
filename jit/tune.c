/* tune.c: the autotuner (see tune.h). The parent never touches LLVM: each candidate is compiled,
 * checked and timed by a forked child that writes one fixed-size result to a pipe, so a crash,
 * an LLVM abort or a hang costs one record ("crashed: signal 11", "timed out after ..."), not
 * the run. Search per key: the default first, then seeds (other kinds, ISA tiers, 1 thread),
 * then first-improvement hill climbing over one-knob neighbours until the key's share of the
 * budget is spent or no unmeasured neighbour is left. requires: llvm */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/rng.h"
#include "config.h"
#include "gen/kernel.h"
#include "jit/jit.h"
#include "jit/tune.h"
#include "runtime/tunedb.h"

#define MAX_CANDIDATES 64
#define VERIFY_TOKENS 4

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

/* ---- candidates ---- */

static int usable(const struct kernel_spec *s, const struct cpu_info *c)
{
	return spec_legal(s, NULL) == 0 && isa_available(s->isa, c) &&
	       (s->isa != ISA_SCALAR || isa_best(s->kind, c) == ISA_SCALAR);
}

static int same_spec(const struct kernel_spec *a, const struct kernel_spec *b)
{
	char x[256], y[256];
	spec_format(a, x, sizeof x);
	spec_format(b, y, sizeof y);
	return !strcmp(x, y);
}

static int add_unique(struct kernel_spec *out, int n, int max, const struct kernel_spec *s,
                      const struct cpu_info *c)
{
	if (n >= max || !usable(s, c))
		return n;
	for (int i = 0; i < n; i++)
		if (same_spec(&out[i], s))
			return n;
	out[n] = *s;
	return n + 1;
}

static int has_kind(const enum kernel_kind *kinds, int nkinds, enum kernel_kind k)
{
	for (int i = 0; i < nkinds; i++)
		if (kinds[i] == k)
			return 1;
	return 0;
}

int tune_seed_candidates(int32_t m, int32_t k, int32_t n, const enum kernel_kind *kinds, int nkinds,
                         const struct cpu_info *c, struct kernel_spec *out, int max)
{
	static const enum kernel_kind order[] = {KIND_I2S, KIND_TL2, KIND_TL1};
	static const enum isa tiers[] = {ISA_AVX512VNNI, ISA_AVXVNNI, ISA_AVX2, ISA_SCALAR};
	struct kernel_spec s;
	int cnt = 0;
	/* the runtime's untuned choice first (tune_default_spec), when its kind is wanted */
	if (tune_default_spec(m, k, n, &s) == 0 && has_kind(kinds, nkinds, s.kind))
		cnt = add_unique(out, cnt, max, &s, c);
	for (size_t i = 0; i < COUNTOF(order); i++)
		if (has_kind(kinds, nkinds, order[i]) &&
		    spec_default(&s, order[i], isa_best(order[i], c), m, k, n, c, NULL) == 0)
			cnt = add_unique(out, cnt, max, &s, c);
	if (cnt > 0 && out[0].threads > 1) {
		/* the default for one thread (the bm heuristic depends on the thread count) */
		struct cpu_info one = *c;
		one.physical_cores = 1;
		if (spec_default(&s, out[0].kind, out[0].isa, m, k, n, &one, NULL) == 0)
			cnt = add_unique(out, cnt, max, &s, c);
	}
	for (size_t i = 0; i < COUNTOF(order); i++)
		for (size_t t = 0; t < COUNTOF(tiers); t++)
			if (has_kind(kinds, nkinds, order[i]) &&
			    spec_default(&s, order[i], tiers[t], m, k, n, c, NULL) == 0)
				cnt = add_unique(out, cnt, max, &s, c);
	return cnt;
}

int tune_neighbours(const struct kernel_spec *s, const struct cpu_info *c, struct kernel_spec *out, int max)
{
	static const int32_t prefetch[] = {0, 512, 2048, 8192};
	static const int32_t bms[] = {32, 64, 128, 256, 512, 1024, 2048};
	static const int32_t bk_i2s[] = {128, 256, 512, 1024, 2048, 4096, 8192};
	static const int32_t bk_tl1[] = {64, 128, 256};
	static const int32_t bk_tl2[] = {48, 96, 192, 240};
	static const int32_t rb_i2s[] = {1, 2, 4, 8, 16};
	static const int32_t rb_tl[] = {32, 64};
	static const int32_t unrolls[] = {1, 2, 4};
	static const enum isa tiers[] = {ISA_AVX512VNNI, ISA_AVXVNNI, ISA_AVX2};
	int n = 0, tl = s->kind != KIND_I2S;
	struct kernel_spec t;
	for (size_t i = 0; i < COUNTOF(prefetch); i++) {
		t = *s;
		t.prefetch = prefetch[i];
		n = add_unique(out, n, max, &t, c);
	}
	const int32_t *rbs = tl ? rb_tl : rb_i2s;
	size_t nrb = tl ? COUNTOF(rb_tl) : COUNTOF(rb_i2s);
	for (size_t i = 0; i < nrb; i++) {
		t = *s;
		t.rb = rbs[i];
		n = add_unique(out, n, max, &t, c);
	}
	for (size_t i = 0; i < COUNTOF(tiers); i++) {
		t = *s;
		t.isa = tiers[i];
		n = add_unique(out, n, max, &t, c);
	}
	int32_t mcap = (s->m + 31) / 32 * 32;
	for (size_t i = 0; i < COUNTOF(bms); i++) {
		t = *s;
		t.bm = bms[i];
		if (t.bm <= mcap && t.bm % t.rb == 0)
			n = add_unique(out, n, max, &t, c);
	}
	const int32_t *bks = s->kind == KIND_I2S ? bk_i2s : s->kind == KIND_TL1 ? bk_tl1 : bk_tl2;
	size_t nbk = s->kind == KIND_I2S ? COUNTOF(bk_i2s) : s->kind == KIND_TL1 ? COUNTOF(bk_tl1) : COUNTOF(bk_tl2);
	for (size_t i = 0; i < nbk; i++) {
		t = *s;
		t.bk = bks[i];
		if (t.bk < s->k + 256)
			n = add_unique(out, n, max, &t, c);
	}
	for (size_t i = 0; i < COUNTOF(unrolls); i++) {
		t = *s;
		t.unroll = unrolls[i];
		n = add_unique(out, n, max, &t, c);
	}
	t = *s;
	t.threads = s->threads > 1 ? 1 : (c->physical_cores > 1 ? c->physical_cores : 1);
	n = add_unique(out, n, max, &t, c);
	/* drop s itself */
	for (int i = 0; i < n; i++)
		if (same_spec(&out[i], s)) {
			memmove(&out[i], &out[i + 1], (size_t)(n - i - 1) * sizeof *out);
			n--;
			break;
		}
	return n;
}

/* ---- one shape's fixed inputs (made in the parent, shared with children by fork) ---- */

struct shape_data {
	int32_t m, k, n;
	int8_t *t;                   /* m×k ternary */
	int8_t *x;                   /* n×k activations in [-127, 127] */
	uint8_t *packed[KIND_COUNT]; /* per kind, made on first use (layouts do not depend on tiles) */
	int vtok[VERIFY_TOKENS], nvtok;
	int32_t *ref;                /* nvtok×m reference outputs of tokens vtok[] */
};

static void shape_make(struct shape_data *d, int32_t m, int32_t k, uint64_t seed)
{
	memset(d, 0, sizeof *d);
	d->m = m;
	d->k = k;
	d->t = xmalloc((size_t)m * (size_t)k);
	struct rng g;
	rng_seed(&g, seed);
	for (size_t i = 0; i < (size_t)m * (size_t)k; i += 32) {
		uint64_t a = rng_u64(&g), b = rng_u64(&g);
		for (size_t j = 0; j < 32 && i + j < (size_t)m * (size_t)k; j++) {
			unsigned v = (unsigned)((j < 16 ? a >> (4 * j) : b >> (4 * (j - 16))) & 15);
			d->t[i + j] = (int8_t)(v < 5 ? -1 : v < 10 ? 1 : 0);
		}
	}
}

static void shape_set_batch(struct shape_data *d, int32_t n, uint64_t seed)
{
	free(d->x);
	free(d->ref);
	d->n = n;
	d->x = xmalloc((size_t)n * (size_t)d->k);
	struct rng g;
	rng_seed(&g, seed);
	for (size_t i = 0; i < (size_t)n * (size_t)d->k; i++)
		d->x[i] = (int8_t)((int)rng_below(&g, 255) - 127);
	/* the first two and last two tokens: covers token-group tails of any GEMM tile */
	int cand[VERIFY_TOKENS] = {0, 1, n - 2, n - 1};
	d->nvtok = 0;
	for (int i = 0; i < VERIFY_TOKENS; i++) {
		int dup = cand[i] < 0 || cand[i] >= n;
		for (int j = 0; j < d->nvtok; j++)
			dup |= d->vtok[j] == cand[i];
		if (!dup)
			d->vtok[d->nvtok++] = cand[i];
	}
	d->ref = xmalloc((size_t)d->nvtok * (size_t)d->m * sizeof *d->ref);
	struct kernel_spec s = {.kind = KIND_I2S, .isa = ISA_SCALAR, .m = d->m, .k = d->k, .n = 1, .bm = 1,
	                        .bk = d->k, .rb = 1, .unroll = 1, .threads = 1};
	if (d->k % 128 == 0) {
		if (!d->packed[KIND_I2S]) {
			d->packed[KIND_I2S] = xmalloc(pack_size(&s));
			pack_weights(&s, d->t, d->packed[KIND_I2S]);
		}
		for (int i = 0; i < d->nvtok; i++) {
			struct kernel_args a = {d->packed[KIND_I2S], d->x + (size_t)d->vtok[i] * (size_t)d->k,
			                        d->ref + (size_t)i * (size_t)d->m, d->k, d->m, 1, 0, d->m, NULL};
			ref_kernel(&s, &a);
		}
	} else {
		for (int i = 0; i < d->nvtok; i++)
			ref_dense(d->t, d->m, d->k, d->x + (size_t)d->vtok[i] * (size_t)d->k, d->k, 1,
			          d->ref + (size_t)i * (size_t)d->m, d->m);
	}
}

static const uint8_t *shape_packed(struct shape_data *d, const struct kernel_spec *s)
{
	if (!d->packed[s->kind]) {
		d->packed[s->kind] = xmalloc(pack_size(s));
		pack_weights(s, d->t, d->packed[s->kind]);
	}
	return d->packed[s->kind];
}

static void shape_free(struct shape_data *d)
{
	free(d->t);
	free(d->x);
	free(d->ref);
	for (int i = 0; i < KIND_COUNT; i++)
		free(d->packed[i]);
	memset(d, 0, sizeof *d);
}

/* ---- the child: compile, verify, time ---- */

struct child_result {
	int ok;
	int nreps;
	double time;
	double reps[TUNE_MAX_REPS];
	char error[256];
};

struct part {
	kernel_fn fn;
	struct kernel_args a;
	long iters;
};

static void *run_part(void *arg)
{
	struct part *p = arg;
	for (long i = 0; i < p->iters; i++)
		p->fn(&p->a);
	return NULL;
}

/* runs fn over all rows, split on tile boundaries over s->threads threads, iters times each */
static void run_split(const struct kernel_spec *s, kernel_fn fn, const struct kernel_args *base,
                      uint8_t *scratch, size_t scratch_size, long iters)
{
	enum { MAXT = 64 };
	int nt = s->threads < 1 ? 1 : s->threads > MAXT ? MAXT : s->threads;
	int32_t tiles = (s->m + s->bm - 1) / s->bm;
	struct part parts[MAXT];
	pthread_t th[MAXT];
	for (int i = 0; i < nt; i++) {
		parts[i].fn = fn;
		parts[i].a = *base;
		parts[i].a.row0 = MIN(s->m, (int32_t)((int64_t)tiles * i / nt) * s->bm);
		parts[i].a.row1 = MIN(s->m, (int32_t)((int64_t)tiles * (i + 1) / nt) * s->bm);
		parts[i].a.scratch = scratch + (size_t)i * scratch_size;
		parts[i].iters = iters;
	}
	int started[MAXT] = {0};
	for (int i = 1; i < nt; i++)
		if (parts[i].a.row0 < parts[i].a.row1)
			started[i] = pthread_create(&th[i], NULL, run_part, &parts[i]) == 0;
	run_part(&parts[0]);
	for (int i = 1; i < nt; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else if (parts[i].a.row0 < parts[i].a.row1)
			run_part(&parts[i]);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void child_measure(const struct kernel_spec *s, const struct shape_data *d, const uint8_t *w,
                          int reps, struct child_result *r)
{
	struct error e;
	struct jit *j = jit_create(&e);
	if (!j) {
		snprintf(r->error, sizeof r->error, "jit: %.240s", e.msg);
		return;
	}
	kernel_fn fn = jit_kernel(j, s, &e);
	if (!fn) {
		snprintf(r->error, sizeof r->error, "compile: %.240s", e.msg);
		return;
	}
	size_t ss = (kernel_scratch_size(s) + 63) / 64 * 64;
	uint8_t *scratch = ss ? xaligned_alloc(64, ss * (size_t)(s->threads > 0 ? s->threads : 1)) : NULL;
	size_t ny = (size_t)d->n * (size_t)d->m;
	int32_t *y = xmalloc(ny * sizeof *y);
	for (size_t i = 0; i < ny; i++)
		y[i] = 0x5a5a5a5a;
	struct kernel_args a = {w, d->x, y, d->k, d->m, d->n, 0, d->m, NULL};
	run_split(s, fn, &a, scratch, ss, 1);
	for (int i = 0; i < d->nvtok; i++)
		for (int32_t row = 0; row < d->m; row++) {
			int32_t got = y[(size_t)d->vtok[i] * (size_t)d->m + (size_t)row];
			int32_t want = d->ref[(size_t)i * (size_t)d->m + (size_t)row];
			if (got != want) {
				snprintf(r->error, sizeof r->error, "wrong result: token %d row %d: got %d, want %d",
				         d->vtok[i], row, got, want);
				return;
			}
		}
	/* warm-up, then reps of enough calls to last >= 2 ms each */
	double t0 = now_seconds();
	run_split(s, fn, &a, scratch, ss, 1);
	double one = now_seconds() - t0;
	long iters = one > 0 ? (long)(0.002 / one) + 1 : 1000;
	iters = iters > 100000 ? 100000 : iters;
	if (reps > TUNE_MAX_REPS)
		reps = TUNE_MAX_REPS;
	while (reps > 3 && (double)reps * (double)iters * one > 0.3)
		reps--;
	for (int i = 0; i < reps; i++) {
		t0 = now_seconds();
		run_split(s, fn, &a, scratch, ss, iters);
		r->reps[i] = (now_seconds() - t0) / (double)iters;
	}
	r->nreps = reps;
	double sorted[TUNE_MAX_REPS];
	memcpy(sorted, r->reps, (size_t)reps * sizeof *sorted);
	qsort(sorted, (size_t)reps, sizeof *sorted, cmp_double);
	r->time = sorted[reps / 2];
	r->ok = 1;
}

/* ---- the parent: fork, wait with a timeout, survive ---- */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int crash_test_pending;

/* measures s in a child; 0 with r filled (r->ok or r->error), -1 when the run must stop (budget
 * or SIGINT: nothing to record) */
static int measure(const struct kernel_spec *s, struct shape_data *d, int reps, double timeout,
                   struct child_result *r)
{
	memset(r, 0, sizeof *r);
	const uint8_t *w = shape_packed(d, s);
	int fds[2];
	if (pipe(fds) < 0) {
		snprintf(r->error, sizeof r->error, "pipe: %s", strerror(errno));
		return 0;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		snprintf(r->error, sizeof r->error, "fork: %s", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		if (crash_test_pending) {
			signal(SIGSEGV, SIG_DFL); /* a real signal death even under ASan's handler */
			raise(SIGSEGV);
		}
		struct child_result cr;
		memset(&cr, 0, sizeof cr);
		child_measure(s, d, w, reps, &cr);
		ssize_t wr = write(fds[1], &cr, sizeof cr);
		_exit(wr == (ssize_t)sizeof cr ? 0 : 3);
	}
	crash_test_pending = 0;
	close(fds[1]);
	size_t got = 0;
	double deadline = now_seconds() + timeout;
	int timed_out = 0;
	while (got < sizeof *r) {
		double left = deadline - now_seconds();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		struct pollfd p = {fds[0], POLLIN, 0};
		int rc = poll(&p, 1, (int)(left * 1000) + 1);
		if (rc < 0 && errno == EINTR) {
			if (interrupted)
				break;
			continue;
		}
		if (rc <= 0)
			continue;
		ssize_t n = read(fds[0], (char *)r + got, sizeof *r - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	if (got < sizeof *r)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == sizeof *r) {
		r->error[sizeof r->error - 1] = 0;
		if (r->nreps < 0 || r->nreps > TUNE_MAX_REPS)
			r->nreps = 0;
		return 0;
	}
	memset(r, 0, sizeof *r);
	if (interrupted)
		return -1;
	if (timed_out) {
		snprintf(r->error, sizeof r->error, "timed out after %.1f s", timeout);
		return 0;
	}
	if (WIFSIGNALED(status))
		snprintf(r->error, sizeof r->error, "crashed: signal %d", WTERMSIG(status));
	else
		snprintf(r->error, sizeof r->error, "child exited with status %d and no result",
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

/* ---- the search ---- */

struct key_state {
	char measured[MAX_CANDIDATES * 4][256];
	int nmeasured;
	struct kernel_spec best;
	double best_time, default_time;
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
	const struct cpu_info *cpu;
	int shape_i, nshapes;
};

static void progress(const struct run *run, const struct key_state *ks, const struct shape_data *d)
{
	if (!run->o->tty)
		return;
	char best[64] = "-";
	if (ks->best_time > 0)
		snprintf(best, sizeof best, "%.3f ms %s", ks->best_time * 1e3, kind_name(ks->best.kind));
	fprintf(stderr, "\r\033[K[%d/%d keys] %d candidates (%d errors)  m=%d k=%d n=%d best %s  %.0f s left",
	        run->sum->keys_done, run->sum->keys, run->sum->candidates, run->sum->errors, d->m, d->k, d->n,
	        best, run->end - now_seconds() > 0 ? run->end - now_seconds() : 0);
	fflush(stderr);
}

/* measures one candidate and records it; -1 when the run must stop */
static int try_candidate(struct run *run, struct key_state *ks, struct shape_data *d,
                         const struct kernel_spec *s, int is_default)
{
	double left = run->end - now_seconds();
	if (interrupted || left < 0.05)
		return -1;
	struct child_result r;
	double timeout = MIN(run->o->candidate_timeout, left);
	if (measure(s, d, run->o->reps, timeout, &r) < 0)
		return -1;
	if (!r.ok && !strncmp(r.error, "timed out", 9) && timeout < run->o->candidate_timeout)
		return -1; /* cut by the budget, not the candidate's fault: not a measurement */
	if (ks->nmeasured < (int)COUNTOF(ks->measured))
		spec_format(s, ks->measured[ks->nmeasured++], sizeof ks->measured[0]);
	struct tune_record rec;
	memset(&rec, 0, sizeof rec);
	tune_key(d->m, d->k, d->n, tune_host_cpu(), tune_host_features(), rec.key, sizeof rec.key);
	spec_format(s, rec.config, sizeof rec.config);
	if (r.ok) {
		rec.time = r.time;
		rec.nreps = r.nreps;
		memcpy(rec.reps, r.reps, sizeof rec.reps);
	} else {
		rec.time = -1;
		snprintf(rec.error, sizeof rec.error, "%s", r.error[0] ? r.error : "failed");
	}
	tune_record_stamp(&rec, TRIT_LLVM_VERSION);
	struct error e;
	if (tunedb_append(run->records, &rec, &e) < 0)
		warn("%s", e.msg);
	run->sum->candidates++;
	if (!r.ok)
		run->sum->errors++;
	if (r.ok && (ks->best_time < 0 || r.time < ks->best_time)) {
		ks->best_time = r.time;
		ks->best = *s;
	}
	if (r.ok && is_default)
		ks->default_time = r.time;
	progress(run, ks, d);
	return 0;
}

/* tunes one key until its deadline; -1 when the whole run must stop */
static int tune_key_search(struct run *run, struct shape_data *d, double deadline)
{
	static struct key_state ks;
	memset(&ks, 0, sizeof ks);
	ks.best_time = ks.default_time = -1;
	struct kernel_spec seeds[MAX_CANDIDATES], def;
	int have_def = tune_default_spec(d->m, d->k, d->n, &def) == 0;
	int ns = tune_seed_candidates(d->m, d->k, d->n, run->o->kinds, run->o->nkinds, run->cpu, seeds,
	                              MAX_CANDIDATES);
	if (ns == 0) {
		printf("m=%d k=%d n=%d: no kernel kind can hold this shape; skipped\n", d->m, d->k, d->n);
		return 0;
	}
	int stop = 0;
	for (int i = 0; i < ns && !stop && now_seconds() < deadline; i++)
		stop = try_candidate(run, &ks, d, &seeds[i], have_def && same_spec(&seeds[i], &def)) < 0;
	/* hill climbing from the best so far: the first improving neighbour becomes the centre */
	while (!stop && ks.best_time > 0 && now_seconds() < deadline) {
		struct kernel_spec nb[MAX_CANDIDATES];
		int nn = tune_neighbours(&ks.best, run->cpu, nb, MAX_CANDIDATES), improved = 0, tried = 0;
		for (int i = 0; i < nn && !stop && !improved && now_seconds() < deadline; i++) {
			if (was_measured(&ks, &nb[i]))
				continue;
			double before = ks.best_time;
			tried++;
			stop = try_candidate(run, &ks, d, &nb[i], 0) < 0;
			improved = ks.best_time < before;
		}
		if (!tried)
			break; /* a local optimum: every neighbour measured */
	}
	run->sum->keys_done++;
	if (run->o->tty)
		fprintf(stderr, "\r\033[K");
	char spec[256] = "(none measured)";
	if (ks.best_time > 0)
		spec_format(&ks.best, spec, sizeof spec);
	printf("m=%d k=%d n=%d: %d measured, best %s", d->m, d->k, d->n, ks.nmeasured, spec);
	if (ks.best_time > 0)
		printf(" %.3f ms (%.1f G weights/s)", ks.best_time * 1e3,
		       (double)d->m * d->k * d->n / ks.best_time * 1e-9);
	if (ks.default_time > 0 && ks.best_time > 0)
		printf(", default %.3f ms, x%.2f", ks.default_time * 1e3, ks.default_time / ks.best_time);
	printf("\n");
	fflush(stdout);
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
	else
		snprintf(records, sizeof records, "%s/records.jsonl", tunedb_dir());
	struct run run = {o, sum, records, start + o->budget, kernel_host_cpu(), 0, nshapes};
	sum->keys = nshapes * o->nbatches;
	const char *crash = getenv("TRIT_TUNE_CRASH_TEST");
	crash_test_pending = crash && *crash && strcmp(crash, "0");
	interrupted = 0;
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	int stop = 0;
	for (int i = 0; i < nshapes && !stop; i++) {
		struct shape_data d;
		shape_make(&d, shapes[i][0], shapes[i][1], 0x7475e0 + (uint64_t)i);
		for (int b = 0; b < o->nbatches && !stop; b++) {
			shape_set_batch(&d, o->batches[b], 0x5eed + (uint64_t)(i * 31 + b));
			int keys_left = sum->keys - sum->keys_done;
			double now = now_seconds();
			double deadline = now + (run.end - now) / (keys_left > 0 ? keys_left : 1);
			stop = tune_key_search(&run, &d, deadline) < 0;
		}
		shape_free(&d);
		if (interrupted)
			stop = 1;
	}
	sigaction(SIGINT, &old, NULL);
	sum->interrupted = interrupted != 0;
	if (o->tty)
		fprintf(stderr, "\r\033[K");
	if (!o->records && tunedb_rebuild(e) < 0)
		return -1;
	sum->seconds = now_seconds() - start;
	return 0;
}
