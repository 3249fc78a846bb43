/* candidates.c: which specs the tuner measures: the seeds of a shape (the default first) and the
 * one-knob neighbours of a spec, legal and available on the CPU only. */
#include <string.h>

#include "kernel/kernel.h"
#include "tune/tune.h"
#include "tune/tunedb.h"

static int usable(const struct kernel_spec *s, const struct cpu_info *c)
{
	return spec_legal(s, NULL) == 0 && isa_available(s->isa, c) &&
	       (s->isa != ISA_SCALAR || isa_best(s->kind, s->n, c) == ISA_SCALAR);
}

int tune_same_spec(const struct kernel_spec *a, const struct kernel_spec *b)
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
		if (tune_same_spec(&out[i], s))
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
	if (tune_default_spec(c, m, k, n, &s) == 0)
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
		if (tune_same_spec(&out[i], s)) {
			memmove(&out[i], &out[i + 1], (size_t)(n - i - 1) * sizeof *out);
			n--;
			break;
		}
	return n;
}
