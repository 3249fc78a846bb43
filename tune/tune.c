/* tune.c: the autotuner (see tune.h). The parent never touches LLVM: each candidate is compiled,
 * checked and timed by a forked child that writes one fixed-size result to a pipe, so a crash,
 * an LLVM abort or a hang costs one record ("crashed: signal 11", "timed out after ..."), not
 * the run. Each candidate is timed on one thread by bench/kmeasure.h exactly as `trit bench
 * --kernels` times it (an L2 slice, and round-robin over > L3 of weight copies that the parent
 * packs once per shape and kind and the children share through fork), and ranked by tune_score.
 * Search per key: the default first, then seeds (its prefetch variants, other kinds, ISA tiers),
 * then first-improvement hill climbing over one-knob neighbours until the key's share of the
 * budget is spent (less the time kept for duels) or no unmeasured neighbour is left. Then up to
 * MAX_DUELS of the best promising candidates, one at a time, duel the default: both timed in turns
 * in one child; the first that tune_beats_default there (a clear margin, not slower in L2 nor from
 * DRAM) wins the key, else the default stays. requires: llvm */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/rng.h"
#include "tune/kmeasure.h"
#include "config.h"
#include "kernel/kernel.h"
#include "jit/jit.h"
#include "tune/tune.h"
#include "tune/tunedb.h"

#define MAX_CANDIDATES 64
#define VERIFY_TOKENS 4
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

/* ---- candidates ---- */

static int usable(const struct kernel_spec *s, const struct cpu_info *c)
{
	return spec_legal(s, NULL) == 0 && isa_available(s->isa, c) &&
	       (s->isa != ISA_SCALAR || isa_best(s->kind, s->n, c) == ISA_SCALAR);
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
	static const int32_t prefetch[] = {4096, 8192, 2048, 0};
	struct kernel_spec s;
	int cnt = 0;
	/* the runtime's untuned choice first (tune_default_spec), whatever the kinds: every candidate
	 * is judged against it */
	if (tune_default_spec(m, k, n, &s) == 0)
		cnt = add_unique(out, cnt, max, &s, c);
	/* software prefetch is what a single core needs to stream weights at full DRAM bandwidth */
	for (size_t i = 0; cnt > 0 && has_kind(kinds, nkinds, out[0].kind) && i < COUNTOF(prefetch); i++) {
		s = out[0];
		s.prefetch = prefetch[i];
		cnt = add_unique(out, cnt, max, &s, c);
	}
	for (size_t i = 0; i < COUNTOF(order); i++)
		if (has_kind(kinds, nkinds, order[i]) &&
		    spec_default(&s, order[i], isa_best(order[i], n, c), m, k, n, c, NULL) == 0)
			cnt = add_unique(out, cnt, max, &s, c);
	if (cnt > 0 && out[0].threads > 1 && has_kind(kinds, nkinds, out[0].kind)) {
		/* the bm of the one-thread heuristic (the runtime still splits rows over its threads) */
		struct cpu_info one = *c;
		one.physical_cores = 1;
		if (spec_default(&s, out[0].kind, out[0].isa, m, k, n, &one, NULL) == 0) {
			s.threads = out[0].threads;
			cnt = add_unique(out, cnt, max, &s, c);
		}
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
	static const int32_t prefetch[] = {0, 1024, 2048, 4096, 6144, 8192, 12288, 16384};
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
	/* timing runs one thread, but the runtime splits rows by bm tiles over its threads: keep at
	 * least two tiles per thread */
	int32_t cores = c->physical_cores > 1 ? c->physical_cores : 1;
	int32_t mcap = ((s->m + 2 * cores - 1) / (2 * cores) + 31) / 32 * 32;
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
	int8_t *t;                         /* m×k ternary */
	int8_t *x;                         /* n×k activations in [-127, 127] */
	struct km_copies copies[KIND_COUNT]; /* per kind, made on first use (layouts do not depend on tiles) */
	size_t dram_total;                 /* bytes of copies per kind */
	int vtok[VERIFY_TOKENS], nvtok;
	int32_t *ref;                      /* nvtok×m reference outputs of tokens vtok[] */
};

static void shape_make(struct shape_data *d, int32_t m, int32_t k, uint64_t seed, size_t dram_total)
{
	memset(d, 0, sizeof *d);
	d->m = m;
	d->k = k;
	d->dram_total = dram_total;
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

static struct km_copies *shape_copies(struct shape_data *d, const struct kernel_spec *s)
{
	struct km_copies *c = &d->copies[s->kind];
	if (!c->w)
		km_copies_make(c, s, d->t, d->dram_total);
	return c;
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
		const uint8_t *w = km_l2_copy(shape_copies(d, &s));
		for (int i = 0; i < d->nvtok; i++) {
			struct kernel_args a = {w, d->x + (size_t)d->vtok[i] * (size_t)d->k,
			                        d->ref + (size_t)i * (size_t)d->m, d->k, d->m, 1, 0, d->m, NULL};
			ref_kernel(&s, &a);
		}
	} else {
		for (int i = 0; i < d->nvtok; i++)
			ref_dense(d->t, d->m, d->k, d->x + (size_t)d->vtok[i] * (size_t)d->k, d->k, 1,
			          d->ref + (size_t)i * (size_t)d->m, d->m);
	}
}

static void shape_free(struct shape_data *d)
{
	free(d->t);
	free(d->x);
	free(d->ref);
	for (int i = 0; i < KIND_COUNT; i++)
		if (d->copies[i].w)
			km_copies_free(&d->copies[i]);
	memset(d, 0, sizeof *d);
}

/* ---- the child: compile, verify, time ---- */

/* what a child measured of one spec */
struct one_result {
	int ok;
	double l2, dram;              /* seconds per whole-matrix call (bench/kmeasure.h) */
	int nl2, ndram;
	double l2_reps[TUNE_MAX_REPS], dram_reps[TUNE_MAX_REPS];
	char error[256];
};

struct child_result {
	struct one_result r[2];       /* per spec measured */
	int next[2];                  /* the copies' round-robin positions after the DRAM windows */
};

/* compiles s and checks it against the reference over the whole matrix, called in two parts split
 * on a tile boundary as the runtime splits rows; NULL with r->error set when it fails */
static kernel_fn compile_verify(struct jit *j, const struct kernel_spec *s, const struct shape_data *d,
                                const struct km_copies *c, struct one_result *r)
{
	struct error e;
	kernel_fn fn = jit_kernel(j, s, &e);
	if (!fn) {
		snprintf(r->error, sizeof r->error, "compile: %.240s", e.msg);
		return NULL;
	}
	size_t ss = kernel_scratch_size(s);
	uint8_t *scratch = ss ? xaligned_alloc(64, (ss + 63) / 64 * 64) : NULL;
	size_t ny = (size_t)d->n * (size_t)d->m;
	int32_t *y = xmalloc(ny * sizeof *y);
	for (size_t i = 0; i < ny; i++)
		y[i] = 0x5a5a5a5a;
	int32_t mid = MIN(d->m, (d->m / s->bm + 1) / 2 * s->bm);
	struct kernel_args a = {km_l2_copy(c), d->x, y, d->k, d->m, d->n, 0, mid, scratch};
	fn(&a);
	a.row0 = mid;
	a.row1 = d->m;
	if (a.row0 < a.row1)
		fn(&a);
	free(scratch);
	for (int i = 0; i < d->nvtok; i++)
		for (int32_t row = 0; row < d->m; row++) {
			int32_t got = y[(size_t)d->vtok[i] * (size_t)d->m + (size_t)row];
			int32_t want = d->ref[(size_t)i * (size_t)d->m + (size_t)row];
			if (got != want) {
				snprintf(r->error, sizeof r->error, "wrong result: token %d row %d: got %d, want %d",
				         d->vtok[i], row, got, want);
				free(y);
				return NULL;
			}
		}
	free(y);
	return fn;
}

/* compiles, verifies and times ns (1 or 2) specs, spec i on the weight copies c[i]. Two specs (a
 * duel) are timed in turns, call by call in L2 and window by window from DRAM, so a burst of load
 * elsewhere hits both alike. */
static void child_measure(const struct kernel_spec *s, int ns, const struct shape_data *d, struct km_copies **c,
                          int reps, struct child_result *cr)
{
	struct error e;
	struct jit *j = jit_create(&e);
	if (!j) {
		for (int i = 0; i < ns; i++)
			snprintf(cr->r[i].error, sizeof cr->r[i].error, "jit: %.240s", e.msg);
		return;
	}
	struct km_kernel kk[2];
	for (int i = 0; i < ns; i++) {
		kk[i] = (struct km_kernel){s[i], compile_verify(j, &s[i], d, c[i], &cr->r[i]), NULL};
		if (!kk[i].fn)
			return;
	}
	int nl2 = MIN(TUNE_MAX_REPS, 4 * reps), ndram = MAX(2, MIN(8, reps));
	int32_t rows[2];
	for (int i = 0; i < ns; i++) {
		rows[i] = km_l2_rows(&s[i], km_l2_budget(kernel_host_cpu()));
		cr->r[i].nl2 = nl2;
		cr->r[i].ndram = ndram;
		cr->r[i].l2 = cr->r[i].dram = 1e30;
	}
	if (ns == 1) {
		cr->r[0].l2 = km_time_l2(&kk[0], km_l2_copy(c[0]), d->x, rows[0], nl2, cr->r[0].l2_reps);
		cr->r[0].dram = km_time_dram(&kk[0], c[0], d->x, ndram, 0.01, cr->r[0].dram_reps);
	} else {
		for (int t = 0; t < nl2; t++)
			for (int i = 0; i < ns; i++) {
				cr->r[i].l2_reps[t] = km_time_l2(&kk[i], km_l2_copy(c[i]), d->x, rows[i], 1, NULL);
				cr->r[i].l2 = MIN(cr->r[i].l2, cr->r[i].l2_reps[t]);
			}
		for (int t = 0; t < ndram; t++)
			for (int i = 0; i < ns; i++) {
				cr->r[i].dram_reps[t] = km_time_dram(&kk[i], c[i], d->x, 1, 0.01, NULL);
				cr->r[i].dram = MIN(cr->r[i].dram, cr->r[i].dram_reps[t]);
			}
	}
	for (int i = 0; i < ns; i++) {
		cr->next[i] = c[i]->next;
		cr->r[i].ok = 1;
	}
}

/* ---- the parent: fork, wait with a timeout, survive ---- */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int crash_test_pending;

/* sets the error of every result in r */
static void fail_all(struct child_result *r, int ns, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_all(struct child_result *r, int ns, const char *fmt, ...)
{
	va_list ap;
	for (int i = 0; i < ns; i++) {
		va_start(ap, fmt);
		memset(&r->r[i], 0, sizeof r->r[i]);
		vsnprintf(r->r[i].error, sizeof r->r[i].error, fmt, ap);
		va_end(ap);
	}
}

/* measures ns (1 or 2) specs in a child; 0 with r filled (ok or error per spec), -1
 * when the run must stop (budget or SIGINT: nothing to record) */
static int measure(const struct kernel_spec *s, int ns, struct shape_data *d, int reps, double timeout,
                   struct child_result *r)
{
	memset(r, 0, sizeof *r);
	struct km_copies *c[2];
	for (int i = 0; i < ns; i++)
		c[i] = shape_copies(d, &s[i]);
	int fds[2];
	if (pipe(fds) < 0) {
		fail_all(r, ns, "pipe: %s", strerror(errno));
		return 0;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		fail_all(r, ns, "fork: %s", strerror(errno));
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
		child_measure(s, ns, d, c, reps, &cr);
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
		for (int i = 0; i < ns; i++) {
			struct one_result *o = &r->r[i];
			o->error[sizeof o->error - 1] = 0;
			if (o->nl2 < 0 || o->nl2 > TUNE_MAX_REPS)
				o->nl2 = 0;
			if (o->ndram < 0 || o->ndram > TUNE_MAX_REPS)
				o->ndram = 0;
		}
		for (int i = 0; i < ns; i++)
			if (r->r[i].ok && r->next[i] >= 0 && r->next[i] < c[i]->copies)
				c[i]->next = r->next[i];
		return 0;
	}
	memset(r, 0, sizeof *r);
	if (interrupted)
		return -1;
	if (timed_out)
		fail_all(r, ns, "timed out after %.1f s", timeout);
	else if (WIFSIGNALED(status))
		fail_all(r, ns, "crashed: signal %d", WTERMSIG(status));
	else
		fail_all(r, ns, "child exited with status %d and no result", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

/* ---- the search ---- */

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
	const struct cpu_info *cpu;
	int shape_i, nshapes;
};

static void progress(const struct run *run, const struct key_state *ks, const struct shape_data *d)
{
	if (!run->o->tty)
		return;
	char best[64] = "-";
	if (ks->best_score > 0)
		snprintf(best, sizeof best, "%.3f ms %s", ks->best_score * 1e3, kind_name(ks->best.kind));
	fprintf(stderr, "\r\033[K[%d/%d keys] %d candidates (%d errors)  m=%d k=%d n=%d best %s  %.0f s left",
	        run->sum->keys_done, run->sum->keys, run->sum->candidates, run->sum->errors, d->m, d->k, d->n,
	        best, run->end - now_seconds() > 0 ? run->end - now_seconds() : 0);
	fflush(stderr);
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
	tune_key(d->m, d->k, d->n, tune_host_cpu(), tune_host_features(), rec.key, sizeof rec.key);
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
	tune_record_stamp(&rec, TRIT_LLVM_VERSION);
	struct error e;
	if (tunedb_append(run->records, &rec, &e) < 0)
		warn("%s", e.msg);
	run->sum->candidates++;
	if (!r->ok)
		run->sum->errors++;
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
	if (interrupted || left < 0.05)
		return -1;
	struct child_result cr;
	double timeout = MIN(run->o->candidate_timeout, left);
	if (measure(s, 1, d, run->o->reps, timeout, &cr) < 0)
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
	progress(run, ks, d);
	return 0;
}

/* the duel: the default and candidate w measured in turns in one child and recorded, w's record
 * carrying the default's figures; 1 when w tune_beats_default there (then it is ks->best), 0 when
 * not (or either failed), -1 when the run must stop */
static int duel(struct run *run, struct key_state *ks, struct shape_data *d, const struct kernel_spec *def,
                const struct kernel_spec *w)
{
	double left = run->end - now_seconds();
	if (interrupted || left < 0.05)
		return -1;
	struct kernel_spec two[2] = {*def, *w};
	struct child_result cr;
	double timeout = MIN(run->o->candidate_timeout, left);
	if (measure(two, 2, d, run->o->reps, timeout, &cr) < 0)
		return -1;
	if (!cr.r[0].ok && !strncmp(cr.r[0].error, "timed out", 9) && timeout < run->o->candidate_timeout)
		return -1;
	write_record(run, d, &two[0], &cr.r[0], NULL, NULL);
	write_record(run, d, &two[1], &cr.r[1], &two[0], &cr.r[0]);
	progress(run, ks, d);
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
	int have_def = tune_default_spec(d->m, d->k, d->n, &def) == 0;
	int ns = tune_seed_candidates(d->m, d->k, d->n, run->o->kinds, run->o->nkinds, run->cpu, seeds,
	                              MAX_CANDIDATES);
	if (ns == 0) {
		printf("m=%d k=%d n=%d: no kernel kind can hold this shape; skipped\n", d->m, d->k, d->n);
		return 0;
	}
	int stop = 0;
	/* the search leaves time for a duel or two with the default at the end */
#define SEARCH_OPEN() (now_seconds() < deadline - (ks.tries ? 3 * ks.spent / ks.tries : 0))
	for (int i = 0; i < ns && !stop && (i == 0 || SEARCH_OPEN()); i++)
		stop = try_candidate(run, &ks, d, &seeds[i], have_def && same_spec(&seeds[i], &def)) < 0;
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
	if (ks.have_default && !same_spec(&ks.best, &def)) {
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
	if (run->o->tty)
		fprintf(stderr, "\r\033[K");
	char spec[256] = "(none measured)";
	if (ks.best_score > 0)
		spec_format(&ks.best, spec, sizeof spec);
	int is_def = ks.have_default && have_def && same_spec(&ks.best, &def);
	printf("m=%d k=%d n=%d: %d measured, best %s%s", d->m, d->k, d->n, ks.nmeasured, spec,
	       is_def ? " (= default)" : "");
	if (ks.best_score > 0)
		printf(" L2 %.3f ms, DRAM %.3f ms (%.1f G weights/s)", ks.best_l2 * 1e3, ks.best_dram * 1e3,
		       (double)d->m * d->k * d->n / ks.best_score * 1e-9);
	if (ks.have_default && ks.best_score > 0 && !is_def)
		printf(", default in the duel L2 %.3f ms, DRAM %.3f ms, x%.2f", ks.duel_l2 * 1e3, ks.duel_dram * 1e3,
		       tune_score(d->n, ks.duel_l2, ks.duel_dram) / ks.best_score);
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
		shape_make(&d, shapes[i][0], shapes[i][1], 0x7475e0 + (uint64_t)i, km_dram_total(run.cpu));
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
