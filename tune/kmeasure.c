/* kmeasure.c: single-thread kernel timing in L2 and from DRAM (see kmeasure.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/util.h"
#include "tune/kmeasure.h"

size_t km_l2_budget(const struct cpu_info *c)
{
	return (c && c->l2 ? c->l2 : ((size_t)1 << 21)) / 2;
}

size_t km_dram_total(const struct cpu_info *c)
{
	size_t l3 = c && c->l3 ? c->l3 : ((size_t)32 << 20);
	return l3 * 5 / 2 > ((size_t)256 << 20) ? l3 * 5 / 2 : (size_t)256 << 20;
}

void km_copies_make(struct km_copies *c, const struct kernel_spec *s, const int8_t *t, size_t total)
{
	memset(c, 0, sizeof *c);
	c->kind = s->kind;
	c->psize = pack_size(s);
	c->copies = total ? (int)((total + c->psize - 1) / c->psize) : 1;
	if (c->copies < 1)
		c->copies = 1;
	size_t bytes = c->psize * (size_t)c->copies, huge = (size_t)2 << 20;
	size_t alloc = (bytes + huge - 1) / huge * huge;
	c->w = xaligned_alloc(huge, alloc);
#ifdef MADV_HUGEPAGE
	madvise(c->w, alloc, MADV_HUGEPAGE); /* fewer TLB misses, and a cheap fork() in the tuner */
#endif
	pack_weights(s, t, c->w);
	for (int i = 1; i < c->copies; i++)
		memcpy(c->w + c->psize * (size_t)i, c->w, c->psize);
	/* the copies written last are the ones caches still hold: start with the oldest */
	c->next = 0;
}

void km_copies_free(struct km_copies *c)
{
	free(c->w);
	memset(c, 0, sizeof *c);
}

int32_t km_l2_rows(const struct kernel_spec *s, size_t budget)
{
	size_t row_bytes = pack_size(s) / (size_t)s->m;
	int32_t step = s->bm > 0 ? s->bm : 1;
	int64_t rows = row_bytes ? (int64_t)(budget / row_bytes) / step * step : s->m;
	if (rows < step)
		rows = step;
	if (rows > s->m)
		rows = s->m;
	return (int32_t)rows;
}

static inline void call(const struct km_kernel *k, const struct kernel_args *a)
{
	if (k->fn)
		k->fn(a);
	else
		k->call(&k->s, a);
}

/* output and scratch buffers for calls of s */
static void buffers(const struct kernel_spec *s, int32_t **y, void **scratch)
{
	*y = xmalloc(sizeof(int32_t) * (size_t)s->n * (size_t)s->m);
	size_t ss = kernel_scratch_size(s);
	*scratch = ss ? xaligned_alloc(64, (ss + 63) / 64 * 64) : NULL;
}

const uint8_t *km_l2_copy(const struct km_copies *c)
{
	return c->w + c->psize * (size_t)(c->copies - 1);
}

double km_time_l2(const struct km_kernel *k, const uint8_t *w, const int8_t *x, int32_t rows, int reps,
                  double *times)
{
	const struct kernel_spec *s = &k->s;
	int32_t *y;
	void *scratch;
	buffers(s, &y, &scratch);
	struct kernel_args a = {.w = w, .x = x, .y = y, .ldx = s->k, .ldy = s->m, .n = s->n,
	                        .row0 = 0, .row1 = rows, .scratch = scratch};
	call(k, &a); /* warm: the slice into L2, the code into the caches */
	double best = 1e30;
	for (int r = 0; r < (reps < 1 ? 1 : reps); r++) {
		double t0 = now_seconds();
		call(k, &a);
		double dt = (now_seconds() - t0) * (double)s->m / (double)rows;
		if (times)
			times[r] = dt;
		if (dt < best)
			best = dt;
	}
	free(y);
	free(scratch);
	return best;
}

double km_time_dram(const struct km_kernel *k, struct km_copies *c, const int8_t *x, int reps,
                    double min_seconds, double *times)
{
	const struct kernel_spec *s = &k->s;
	int32_t *y;
	void *scratch;
	buffers(s, &y, &scratch);
	struct kernel_args a = {.x = x, .y = y, .ldx = s->k, .ldy = s->m, .n = s->n,
	                        .row0 = 0, .row1 = s->m, .scratch = scratch};
	double best = 1e30;
	for (int r = 0; r < (reps < 1 ? 1 : reps); r++) {
		long calls = 0;
		double t0 = now_seconds(), dt;
		do {
			a.w = c->w + c->psize * (size_t)c->next;
			call(k, &a);
			c->next = c->next + 1 < c->copies ? c->next + 1 : 0;
			calls++;
			dt = now_seconds() - t0;
		} while (calls < 2 || dt < min_seconds);
		dt /= (double)calls;
		if (times)
			times[r] = dt;
		if (dt < best)
			best = dt;
	}
	free(y);
	free(scratch);
	return best;
}
