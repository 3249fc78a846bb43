/* legal.c: which kernel specs are legal (divisibility, int16-overflow bounds, implemented ISAs),
 * which ISA tiers a CPU can run (both from ir/isa.def), and default tiles from the CPU's cache sizes
 * (docs/kernels.md §7–8). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kinds.h"

/* k bound that keeps every int32 sum exact, including the generated VNNI GEMV, which scales
 * group sums by up to 64 inside int32 (about 508 * k): 508 * 2^21 < 2^31 */
#define MAX_K (1 << 21)

static const char *const kind_names[KIND_COUNT] = {"i2s", "tl1", "tl2"};

/* the violations found so far, joined with "; " */
struct violations {
	char text[480];
	int count;
};

static void violation(struct violations *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void violation(struct violations *v, const char *fmt, ...)
{
	size_t used = strlen(v->text);
	if (v->count > 0 && used + 2 < sizeof v->text) {
		memcpy(v->text + used, "; ", 3);
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	if (used < sizeof v->text)
		vsnprintf(v->text + used, sizeof v->text - used, fmt, ap);
	va_end(ap);
	v->count++;
}

static void check_common(const struct kernel_spec *s, struct violations *v)
{
	if (s->m < 1)
		violation(v, "m=%d must be >= 1", s->m);
	if (s->k < 1 || s->k > MAX_K)
		violation(v, "k=%d must be in 1..%d (int32 sums must stay exact)", s->k, MAX_K);
	if (s->n < 1)
		violation(v, "n=%d must be >= 1", s->n);
	if (!isa_runs_kind(s->isa, s->kind)) {
		char use[128];
		violation(v, "isa %s is not implemented yet for %s (use %s)", isa_name(s->isa), kind_names[s->kind],
		          isa_list_for_kind(s->kind, use, sizeof use));
	}
	if (s->bm < 1)
		violation(v, "bm=%d must be >= 1", s->bm);
	if (s->bk < 1)
		violation(v, "bk=%d must be >= 1", s->bk);
	if (s->rb < 1)
		violation(v, "rb=%d must be >= 1", s->rb);
	else if (s->bm >= 1 && s->bm % s->rb != 0)
		violation(v, "bm=%d is not a multiple of rb=%d", s->bm, s->rb);
	if (s->unroll < 1)
		violation(v, "unroll=%d must be >= 1", s->unroll);
	if (s->prefetch < 0)
		violation(v, "prefetch=%d must be >= 0", s->prefetch);
	if (s->threads < 1)
		violation(v, "threads=%d must be >= 1", s->threads);
}

static void check_i2s(const struct kernel_spec *s, struct violations *v)
{
	if (s->k >= 1 && s->k % I2S_BLOCK != 0)
		violation(v, "i2s needs k %% 128 == 0, k=%d is not (tl1 or tl2 can take it)", s->k);
	if (s->bk >= 1 && s->bk % I2S_BLOCK != 0)
		violation(v, "i2s needs bk %% 128 == 0, bk=%d is not", s->bk);
}

static void check_tl(const struct kernel_spec *s, struct violations *v)
{
	const char *name = kind_names[s->kind];
	if (s->m >= 1 && s->m % TL_ROW_GROUP != 0)
		violation(v, "%s needs m %% 32 == 0 (rows come in groups of 32), m=%d is not", name, s->m);
	if (s->bm >= 1 && s->bm % TL_ROW_GROUP != 0)
		violation(v, "%s needs bm %% 32 == 0, bm=%d is not", name, s->bm);
	if (s->rb >= 1 && s->rb % TL_ROW_GROUP != 0)
		violation(v, "%s needs rb %% 32 == 0, rb=%d is not", name, s->rb);
	if (s->kind == KIND_TL1) {
		if (s->k >= 1 && s->k % 2 != 0)
			violation(v, "tl1 needs an even k (weight pairs), k=%d is odd (tl2 can take it)", s->k);
		if (s->bk >= 1 && s->bk % 2 != 0)
			violation(v, "tl1 needs an even bk, bk=%d is odd", s->bk);
		if (s->bk > TL1_MAX_BK)
			violation(v, "tl1 bk=%d exceeds %d (its int16 LUT sums could overflow); use an even bk <= %d",
			          s->bk, TL1_MAX_BK, TL1_MAX_BK);
	} else {
		if (s->k == 1)
			violation(v, "tl2 cannot split k=1 into triples and pairs (k >= 2 passes)");
		if (s->bk >= 1 && s->bk % 3 != 0)
			violation(v, "tl2 needs bk %% 3 == 0 (whole triples), bk=%d is not", s->bk);
		if (s->bk > TL2_MAX_BK)
			violation(v, "tl2 bk=%d exceeds %d (its int16 LUT sums could overflow); use a multiple of 3 <= %d",
			          s->bk, TL2_MAX_BK, TL2_MAX_BK);
	}
}

int spec_legal(const struct kernel_spec *s, struct error *e)
{
	struct violations v = {{0}, 0};
	if ((unsigned)s->kind >= KIND_COUNT)
		return errorf(e, "unknown kernel kind %d", (int)s->kind);
	if ((unsigned)s->isa >= ISA_COUNT)
		return errorf(e, "unknown isa %d", (int)s->isa);
	check_common(s, &v);
	if (s->kind == KIND_I2S)
		check_i2s(s, &v);
	else
		check_tl(s, &v);
	if (v.count == 0)
		return 0;
	return errorf(e, "illegal %s spec (m=%d k=%d): %s", kind_names[s->kind], s->m, s->k, v.text);
}

int isa_available(enum isa i, const struct cpu_info *c)
{
	const struct isa_info *r = isa_info(i);
	return r && isa_family_on_cpu(r->family) && (cpu_feature_mask(c) & r->needs) == r->needs;
}

enum isa isa_best(enum kernel_kind k, int32_t n, const struct cpu_info *c)
{
	/* ir/isa.def lists the tiers from least to most preferred */
	for (int i = ISA_COUNT - 1; i > 0; i--)
		if (isa_runs_kind((enum isa)i, k) && n >= isa_info((enum isa)i)->min_n && isa_available((enum isa)i, c))
			return (enum isa)i;
	return ISA_SCALAR;
}

static int64_t round_down(int64_t v, int64_t unit)
{
	return v / unit * unit;
}

static int64_t round_up(int64_t v, int64_t unit)
{
	return (v + unit - 1) / unit * unit;
}

/* bk: the activation (I2S) or LUT (TL) slice of n tokens for one tile fits in half of L1, in
 * SIMD-friendly steps (TL1: 16 pairs, TL2: 8 triples), never so small that flushes dominate */
static int32_t default_bk(enum kernel_kind kind, int32_t k, int32_t n, int64_t l1)
{
	int64_t half = l1 / 2, tokens = n < 1 ? 1 : n, kk = k < 1 ? 1 : k, bk;
	switch (kind) {
	case KIND_I2S:
		bk = MAX(round_down(half / tokens, I2S_BLOCK), I2S_BLOCK);
		return (int32_t)MIN(bk, round_up(kk, I2S_BLOCK));
	case KIND_TL1: /* 32 LUT bytes per pair: 16 per column */
		bk = MIN(MAX(round_down(half / (16 * tokens), 32), 64), TL1_MAX_BK);
		return (int32_t)MIN(bk, round_up(kk, 2));
	default: /* TL2: 32 LUT bytes per triple */
		bk = MIN(MAX(round_down(half * 3 / (32 * tokens), 24), 48), TL2_MAX_BK);
		return (int32_t)MIN(bk, round_up(kk, 3));
	}
}

/* bm: the packed weights of a bm-row tile over all of k fit in half of L2, and every thread gets
 * at least 4 tiles (the caller splits rows on tile boundaries) */
static int32_t default_bm(enum kernel_kind kind, int32_t m, int32_t k, int32_t rb, int32_t threads, int64_t l2)
{
	int64_t unit = kind == KIND_I2S && m < TL_ROW_GROUP ? rb : TL_ROW_GROUP;
	int64_t row_bytes = k / 4 > 0 ? k / 4 : 1, mm = m < 1 ? 1 : m;
	int64_t by_cache = round_down(l2 / 2 / row_bytes, unit);
	int64_t by_threads = round_down(mm / (4 * (int64_t)threads), unit);
	int64_t bm = MAX(MIN(by_cache, by_threads), unit);
	return (int32_t)MIN(bm, round_up(mm, unit));
}

int spec_default(struct kernel_spec *s, enum kernel_kind kind, enum isa isa, int32_t m, int32_t k,
                 int32_t n, const struct cpu_info *c, struct error *e)
{
	int64_t l1 = c && c->l1d ? (int64_t)c->l1d : 32 * 1024;
	int64_t l2 = c && c->l2 ? (int64_t)c->l2 : 1024 * 1024;
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->isa = isa;
	s->m = m;
	s->k = k;
	s->n = n;
	s->rb = kind == KIND_I2S ? 4 : TL_ROW_GROUP;
	s->threads = c && c->physical_cores > 0 ? c->physical_cores : 1;
	s->bk = default_bk(kind, k, n, l1);
	s->bm = default_bm(kind, m, k, s->rb, s->threads, l2);
	s->unroll = 1;
	s->prefetch = 0;
	if (n == 1 && (int64_t)m * k / 4 >= 64 * 1024) {
		/* a model's GEMVs stream their weights from DRAM (a token touches every matrix once): one core
		 * reaches the bandwidth only with software prefetch several KiB ahead (bench/kernels.md: 2 KiB
		 * gave 84-95 % of it, 8 KiB 91-95 %, and 2-thread decode 10-15 % faster); from L2 it costs nothing */
		s->prefetch = 8192;
		s->unroll = 2;
	}
	struct error why;
	if (spec_legal(s, &why) < 0)
		return errorf(e, "no default %s kernel for m=%d k=%d n=%d: %s", (unsigned)kind < KIND_COUNT ?
		              kind_names[kind] : "?", m, k, n, why.msg);
	return 0;
}
