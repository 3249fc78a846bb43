/* trial.c: one trial (see trial.h): the shape's inputs and reference outputs, and the child's work:
 * compile, verify over the whole matrix split on a tile boundary, time. requires: llvm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "jit/jit.h"
#include "kernel/kernel.h"
#include "kernel/model_specs.h"
#include "tune/trial.h"

void shape_make(struct shape_data *d, int32_t m, int32_t k, uint64_t seed, size_t dram_total)
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

void shape_set_batch(struct shape_data *d, int32_t n, uint64_t seed)
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

void shape_free(struct shape_data *d)
{
	free(d->t);
	free(d->x);
	free(d->ref);
	for (int i = 0; i < KIND_COUNT; i++)
		if (d->copies[i].w)
			km_copies_free(&d->copies[i]);
	memset(d, 0, sizeof *d);
}

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
static void child_measure(const struct tune_site *site, const struct kernel_spec *s, int ns,
                          const struct shape_data *d, struct km_copies **c,
                          int reps, struct child_result *cr)
{
	struct error e;
	struct jit_config jc = {.cache_dir = site->cache_dir, .cpu = &site->cpu, .log = site->log};
	struct jit *j = jit_create(&jc, &e);
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
		rows[i] = km_l2_rows(&s[i], km_l2_budget(&site->cpu));
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

/* the child's side of trial_measure */
struct trial_job {
	const struct tune_site *site;
	const struct kernel_spec *s;
	int ns;
	const struct shape_data *d;
	struct km_copies **c;
	int reps;
};

static void trial_child(void *arg, void *out)
{
	const struct trial_job *j = arg;
	child_measure(j->site, j->s, j->ns, j->d, j->c, j->reps, out);
}

int trial_measure(const struct tune_site *site, const struct kernel_spec *s, int ns, struct shape_data *d, int reps,
                  const struct sandbox *sb, struct child_result *r)
{
	memset(r, 0, sizeof *r);
	struct km_copies *c[2];
	for (int i = 0; i < ns; i++)
		c[i] = shape_copies(d, &s[i]);
	struct trial_job job = {site, s, ns, d, c, reps};
	char why[256];
	int rc = sandbox_run(sb, trial_child, &job, r, sizeof *r, why, sizeof why);
	if (rc == -2)
		return -1;
	if (rc < 0) {
		for (int i = 0; i < ns; i++)
			snprintf(r->r[i].error, sizeof r->r[i].error, "%s", why);
		return 0;
	}
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
