/* kbench.c: the kernel benchmark behind `trit bench --kernels` (kbench.h): single-thread throughput,
 * per BitNet b1.58 2B4T shape and batch (1, 64), of the generated kernel (tuned spec and default
 * spec), the scalar reference and the hand-written AVX2 I2S reference (tune/avx2_ref.h), with
 * weights in L2 and in DRAM, against this machine's streaming read bandwidth measured in the same
 * run; then the ratios the issues set targets for; then GEMV (n=1) of every kernel kind x ISA tier
 * with default tiles and of each kind's scalar reference. Timings are reported, never judged by
 * tests. requires: llvm */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "base/rng.h"
#include "base/util.h"
#include "jit/jit.h"
#include "kernel/kernel.h"
#include "tune/avx2_ref.h"
#include "tune/kbench.h"
#include "tune/kmeasure.h"
#include "tune/membw.h"
#include "tune/tunedb.h"

static const int32_t shapes_2b4t[][2] = {{2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912},
                                         {3840, 2560}, {13824, 2560}};
static const int32_t shapes_quick[][2] = {{256, 512}};
static const int32_t batches[] = {1, 64};

enum { K_TUNED, K_DEFAULT, K_REF, K_AVX2, K_COUNT };
static const char *const kernel_names[K_COUNT] = {"tuned", "default", "scalar-ref", "avx2-ref"};
enum { R_L2, R_DRAM, R_COUNT };
/* how a spec is run: its JIT-compiled kernel, the scalar reference, or the hand-written AVX2 I2S */
enum runner { RUN_JIT, RUN_REF, RUN_AVX2 };
static const enum runner kernel_runners[K_COUNT] = {RUN_JIT, RUN_JIT, RUN_REF, RUN_AVX2};
/* the ISA tiers of the per-kind table; its last column is each kind's scalar reference */
static const enum isa tiers[] = {ISA_AVX2, ISA_AVXVNNI, ISA_AVX512VNNI};
#define TIER_COUNT ((int)COUNTOF(tiers) + 1)
static const char *const res_names[R_COUNT] = {"L2", "DRAM"};

/* one measurement; sec < 0 when not measured (status says why) */
struct result {
	double sec, bytes, weights; /* seconds per whole-matrix call; its packed bytes and weights×tokens */
	int32_t rows;               /* L2: the slice's rows */
	char status[96];
	char spec[160];
};

#define MAX_SHAPES 8
/* one run: where the report goes and what was measured */
struct kb {
	FILE *out;
	const struct cpu_info *cpu;
	struct result results[MAX_SHAPES][2][K_COUNT][R_COUNT];
	struct result kind_results[MAX_SHAPES][KIND_COUNT][TIER_COUNT][R_COUNT]; /* n = 1 */
	int same_as_default[MAX_SHAPES][2]; /* the tuned spec is the default spec */
};

static int same_spec(const struct kernel_spec *a, const struct kernel_spec *b)
{
	char x[256], y[256];
	spec_format(a, x, sizeof(x));
	spec_format(b, y, sizeof(y));
	return !strcmp(x, y);
}

/* the read-bandwidth figures of one run */
struct bandwidth {
	double best;           /* GB/s, the fastest over every prefetch distance: the ceiling */
	size_t best_ahead;     /* its prefetch distance in bytes */
	double no_prefetch;    /* GB/s with the hardware prefetchers only (what bitnet.cpp-style code gets) */
	const char *how;
};

/* single-thread streaming read bandwidth over `bytes` (bench/membw.c), best of `reps` passes per
 * software prefetch distance (none, 2, 4, 8 KiB ahead) */
static void read_bandwidth(size_t bytes, int reps, struct bandwidth *bw)
{
	static const size_t aheads[] = {0, 2048, 4096, 8192};
	bw->how = membw_how();
	bw->best = bw->no_prefetch = 0;
	bw->best_ahead = 0;
	for (size_t ai = 0; ai < COUNTOF(aheads); ai++) {
		double gb = membw_read_gbs(bytes, 1, reps, aheads[ai]);
		if (gb > bw->best) {
			bw->best = gb;
			bw->best_ahead = aheads[ai];
		}
		if (aheads[ai] == 0)
			bw->no_prefetch = gb;
	}
}

/* random ternary weights t (m x k) and int8 activations x (64 tokens of k) */
static void random_operands(struct rng *rg, int32_t m, int32_t k, int8_t **t, int8_t **x)
{
	*t = xmalloc((size_t)m * k);
	for (size_t i = 0; i < (size_t)m * k; i++)
		(*t)[i] = (int8_t)((int)rng_below(rg, 3) - 1);
	*x = xmalloc((size_t)64 * k);
	for (size_t i = 0; i < (size_t)64 * k; i++)
		(*x)[i] = (int8_t)((int)rng_below(rg, 255) - 127);
}

/* the name of column ti of the per-kind table: an ISA tier, or "ref" */
static const char *tier_name(int ti) { return ti < (int)COUNTOF(tiers) ? isa_name(tiers[ti]) : "ref"; }

static double gbs(const struct result *r) { return r->bytes / r->sec / 1e9; }
static double gws(const struct result *r) { return r->weights / r->sec / 1e9; }
static int measured(const struct result *r) { return r->sec > 0; }

static void print_row(struct kb *b, const char *shape, int n, int kind, int res, const struct result *r, double bw)
{
	if (!measured(r))
		fprintf(b->out, "| %-11s | %2d | %-10s | %-4s | %s\n", shape, n, kernel_names[kind], res_names[res], r->status);
	else
		fprintf(b->out, "| %-11s | %2d | %-10s | %-4s | %10.1f | %7.2f | %7.2f | %5.0f%% | %s\n", shape, n,
		       kernel_names[kind], res_names[res], r->sec * 1e6, gws(r), gbs(r), 100.0 * gbs(r) / bw, r->spec);
	fflush(b->out);
}

static void call_avx2(const struct kernel_spec *s, const struct kernel_args *a) { avx2_i2s_kernel(s, a); }
static void call_ref(const struct kernel_spec *s, const struct kernel_args *a) { ref_kernel(s, a); }

/* times spec s run by `how` with weights in L2 and in DRAM into out[R_COUNT] (bench/kmeasure.h,
 * the same measurement `trit tune` ranks by: seconds per whole-matrix call, the L2 slice's time
 * scaled by m / rows; a status instead when it cannot run). copies[kind] holds this shape's packed
 * copies per kind, made on first use and shared by every spec of the kind. */
static void measure(struct jit *j, enum runner how, const struct kernel_spec *s, const int8_t *t, const int8_t *x,
                    int reps, size_t l2_budget, size_t dram_total, struct km_copies copies[KIND_COUNT],
                    int with_dram, struct result out[R_COUNT])
{
	struct error e;
	struct km_kernel k = {*s, NULL, how == RUN_AVX2 ? call_avx2 : call_ref};
	for (int r = 0; r < R_COUNT; r++) {
		if (how == RUN_AVX2)
			snprintf(out[r].spec, sizeof(out[r].spec), "hand-written AVX2 I2S (bench/avx2_ref.c)");
		else {
			spec_format(s, out[r].spec, sizeof(out[r].spec));
			if (how == RUN_REF)
				memcpy(out[r].spec, "ref   ", 6);
		}
	}
	if (how == RUN_JIT && !(k.fn = jit_kernel(j, s, &e))) {
		for (int r = 0; r < R_COUNT; r++)
			snprintf(out[r].status, sizeof(out[r].status), "failed: %.80s", e.msg);
		return;
	}
	struct km_copies *c = &copies[s->kind];
	if (!c->w)
		km_copies_make(c, s, t, dram_total);
	int slow = how == RUN_REF;
	for (int r = 0; r < R_COUNT; r++) {
		out[r].bytes = (double)pack_size(s);
		out[r].weights = (double)s->m * s->k * s->n;
	}
	out[R_L2].rows = km_l2_rows(s, l2_budget);
	out[R_L2].sec = km_time_l2(&k, km_l2_copy(c), x, out[R_L2].rows, slow ? 2 : reps, NULL);
	if (!with_dram)
		return;
	if (slow && s->n > 1) {
		snprintf(out[R_DRAM].status, sizeof(out[R_DRAM].status),
		         "skipped: the scalar reference at n=%d over > L3 of copies takes minutes", s->n);
		return;
	}
	out[R_DRAM].sec = km_time_dram(&k, c, x, slow ? 1 : 3, slow ? 0 : 0.05, NULL);
}

/* frees a shape's copies */
static void copies_free(struct km_copies copies[KIND_COUNT])
{
	for (int i = 0; i < KIND_COUNT; i++)
		if (copies[i].w)
			km_copies_free(&copies[i]);
}

static int write_csv(struct kb *b, const char *path, int nshapes, const int32_t (*shapes)[2], double bw, struct error *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return errorf(e, "bench --kernels: out of memory");
	fprintf(f, "shape,m,k,n,kernel,residency,status,seconds,gweights_per_s,gb_per_s,pct_of_read_bw,spec\n");
	for (int si = 0; si < nshapes; si++)
		for (int ni = 0; ni < 2; ni++)
			for (int kk = 0; kk < K_COUNT; kk++)
				for (int r = 0; r < R_COUNT; r++) {
					const struct result *x = &b->results[si][ni][kk][r];
					fprintf(f, "%dx%d,%d,%d,%d,%s,%s,", shapes[si][0], shapes[si][1], shapes[si][0],
					        shapes[si][1], batches[ni], kernel_names[kk], res_names[r]);
					if (measured(x))
						fprintf(f, "ok,%.9g,%.4f,%.4f,%.2f,\"%s\"\n", x->sec, gws(x), gbs(x),
						        100.0 * gbs(x) / bw, x->spec);
					else
						fprintf(f, "\"%s\",,,,,\n", x->status);
				}
	for (int si = 0; si < nshapes; si++)
		for (int kind = 0; kind < KIND_COUNT; kind++)
			for (int ti = 0; ti < TIER_COUNT; ti++)
				for (int r = 0; r < R_COUNT; r++) {
					const struct result *x = &b->kind_results[si][kind][ti][r];
					fprintf(f, "%dx%d,%d,%d,1,%s/%s,%s,", shapes[si][0], shapes[si][1], shapes[si][0],
					        shapes[si][1], kind_name((enum kernel_kind)kind), tier_name(ti), res_names[r]);
					if (measured(x))
						fprintf(f, "ok,%.9g,%.4f,%.4f,%.2f,\"%s\"\n", x->sec, gws(x), gbs(x),
						        100.0 * gbs(x) / bw, x->spec);
					else
						fprintf(f, "\"%s\",,,,,\n", x->status);
				}
	fclose(f);
	int rc = write_file_atomic(path, buf, len, e);
	free(buf);
	return rc;
}

static int write_plot(struct kb *b, const char *path, int nshapes, const int32_t (*shapes)[2], double bw, struct error *e)
{
	static const char *const colors[K_COUNT] = {"#1b9e77", "#7570b3", "#d95f02", "#e7298a"};
	double vmax = bw;
	for (int si = 0; si < nshapes; si++)
		for (int kk = 0; kk < K_COUNT; kk++)
			if (measured(&b->results[si][0][kk][R_DRAM]) && gbs(&b->results[si][0][kk][R_DRAM]) > vmax)
				vmax = gbs(&b->results[si][0][kk][R_DRAM]);
	vmax *= 1.1;
	const int left = 70, top = 40, ph = 300, bar = 18, gap = 30;
	int pw = nshapes * (K_COUNT * bar + gap) + gap, width = left + pw + 170, height = top + ph + 70;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return errorf(e, "bench --kernels: out of memory");
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
	           "font-size=\"11\">\n",
	        width, height);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height);
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"14\">Single-thread GEMV (n=1), weights in DRAM: packed-weight "
	           "GB/s</text>\n", left);
	for (int i = 0; i <= 5; i++) {
		double v = vmax * i / 5;
		int y = top + ph - (int)(ph * v / vmax);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n", left, y, left + pw, y);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.1f</text>\n", left - 5, y + 4, v);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top, left, top + ph);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top + ph, left + pw,
	        top + ph);
	fprintf(f, "<text x=\"18\" y=\"%d\" transform=\"rotate(-90 18 %d)\" text-anchor=\"middle\">GB/s (packed "
	           "weights)</text>\n", top + ph / 2, top + ph / 2);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">shape (rows x columns)</text>\n", left + pw / 2,
	        top + ph + 45);
	int by = top + ph - (int)(ph * bw / vmax);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"red\" stroke-dasharray=\"5,3\"/>\n", left, by,
	        left + pw, by);
	for (int si = 0; si < nshapes; si++) {
		int gx = left + gap + si * (K_COUNT * bar + gap);
		for (int kk = 0; kk < K_COUNT; kk++) {
			const struct result *r = &b->results[si][0][kk][R_DRAM];
			double v = measured(r) ? gbs(r) : 0;
			int h = (int)(ph * v / vmax), x = gx + kk * bar;
			fprintf(f, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
			           "<title>%dx%d %s: %s</title></rect>\n",
			        x, top + ph - h, bar - 2, h, colors[kk], shapes[si][0], shapes[si][1], kernel_names[kk],
			        measured(r) ? "measured" : "n/a");
			if (!measured(r))
				fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"8\">n/a</text>\n", x, top + ph - 3);
		}
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%dx%d</text>\n", gx + K_COUNT * bar / 2,
		        top + ph + 18, shapes[si][0], shapes[si][1]);
	}
	int lx = left + pw + 20;
	for (int kk = 0; kk < K_COUNT; kk++) {
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", lx, top + kk * 20,
		        colors[kk]);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", lx + 18, top + kk * 20 + 10, kernel_names[kk]);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"red\" stroke-dasharray=\"5,3\"/>\n", lx,
	        top + K_COUNT * 20 + 6, lx + 12, top + K_COUNT * 20 + 6);
	fprintf(f, "<text x=\"%d\" y=\"%d\">read bandwidth %.1f GB/s</text>\n", lx + 18, top + K_COUNT * 20 + 10, bw);
	fprintf(f, "</svg>\n");
	fclose(f);
	int rc = write_file_atomic(path, buf, len, e);
	free(buf);
	return rc;
}

/* prints MET or MISSED BY for a "value >= target" target */
static void verdict(struct kb *b, const char *what, double value, double target, const char *unit, const char *reason)
{
	if (value >= target)
		fprintf(b->out, "  %-48s %8.2f%s (target >= %g%s): MET\n", what, value, unit, target, unit);
	else
		fprintf(b->out, "  %-48s %8.2f%s (target >= %g%s): MISSED BY %.0f%% -- %s\n", what, value, unit, target, unit,
		       100.0 * (target - value) / target, reason);
}

/* the generated kernel the runtime would use: tuned when measured, else default */
static const struct result *gen_result(const struct kb *b, int si, int ni, int r)
{
	if (b->same_as_default[si][ni] || !measured(&b->results[si][ni][K_TUNED][r]))
		return &b->results[si][ni][K_DEFAULT][r];
	return &b->results[si][ni][K_TUNED][r];
}

static void print_targets(struct kb *b, int nshapes, const int32_t (*shapes)[2], double bw)
{
	char reason[256];
	fprintf(b->out, "\nratios of G weights/s (= inverse ratios of the whole-matrix times above; generated = tuned\n"
	       "spec when one exists, else default spec):\n");
	fprintf(b->out, "bw ceiling (n=1, DRAM) = best measured read bandwidth / the AVX2 reference's GB/s: the most any\n"
	       "kernel can beat that reference by from DRAM; in brackets %% of that bandwidth: generated/avx2-ref.\n");
	fprintf(b->out, "| shape       | n  | res  | tuned/default | gen/avx2-ref | GEMM/GEMV per token | bw ceiling            |\n");
	fprintf(b->out, "|-------------|----|------|---------------|--------------|---------------------|-----------------------|\n");
	double min_td = 1e30, min_ga = 1e30, min_gemm[R_COUNT] = {1e30, 1e30}, min_dram = 1e30, min_l2 = 1e30;
	int any_tuned = 0, n_ceiling = 0, n_below = 0;
	const char *ga_where = "";
	static char ga_buf[64], gemm_buf[R_COUNT][64], dram_buf[160], l2_buf[160];
	double ga_avx2_gws = 0, ga_gen_gws = 0, gemm_gws[R_COUNT] = {0}, gemv_gws[R_COUNT] = {0}, dram_l2_gbs = 0, l2_ref_gws = 0;
	const char *dram_spec = "", *l2_spec = "";
	for (int si = 0; si < nshapes; si++)
		for (int ni = 0; ni < 2; ni++)
			for (int r = 0; r < R_COUNT; r++) {
				const struct result *t = &b->results[si][ni][K_TUNED][r], *d = &b->results[si][ni][K_DEFAULT][r];
				const struct result *a = &b->results[si][ni][K_AVX2][r], *g = gen_result(b, si, ni, r);
				char td[32] = "not tuned", ga[32] = "n/a", gg[32] = "", ceil[32] = "";
				if (b->same_as_default[si][ni] && measured(d)) {
					any_tuned = 1;
					snprintf(td, sizeof(td), "= default");
					min_td = MIN(min_td, 1.0);
				} else if (measured(t) && measured(d)) {
					any_tuned = 1;
					snprintf(td, sizeof(td), "%.2fx", gws(t) / gws(d));
					if (gws(t) / gws(d) < min_td)
						min_td = gws(t) / gws(d);
				}
				if (measured(a) && measured(g) && ni == 0 && r == R_DRAM) {
					/* both stream their weights: the most any kernel can gain on the AVX2 reference
					 * is the best measured bandwidth over the reference's */
					double c = bw / gbs(a);
					snprintf(ceil, sizeof(ceil), "%.2fx (%.0f%%/%.0f%%)", c, 100 * gbs(g) / bw, 100 * gbs(a) / bw);
					if (gws(g) / gws(a) < 1.5 && c < 1.5)
						n_ceiling++;
					else if (gws(g) / gws(a) < 1.5)
						n_below++;
				}
				if (measured(a) && measured(g)) {
					snprintf(ga, sizeof(ga), "%.2fx", gws(g) / gws(a));
					if (gws(g) / gws(a) < min_ga) {
						min_ga = gws(g) / gws(a);
						snprintf(ga_buf, sizeof(ga_buf), "%dx%d n=%d %s", shapes[si][0], shapes[si][1],
						         batches[ni], res_names[r]);
						ga_where = ga_buf;
						ga_avx2_gws = gws(a);
						ga_gen_gws = gws(g);
					}
				}
				if (ni == 1 && measured(g) && measured(gen_result(b, si, 0, r))) {
					double q = gws(g) / gws(gen_result(b, si, 0, r));
					snprintf(gg, sizeof(gg), "%.2fx", q);
					if (q < min_gemm[r]) {
						min_gemm[r] = q;
						snprintf(gemm_buf[r], sizeof(gemm_buf[r]), "%dx%d", shapes[si][0], shapes[si][1]);
						gemm_gws[r] = gws(g);
						gemv_gws[r] = gws(gen_result(b, si, 0, r));
					}
				}
				if (ni == 0 && r == R_DRAM && measured(g) && 100 * gbs(g) / bw < min_dram) {
					min_dram = 100 * gbs(g) / bw;
					snprintf(dram_buf, sizeof(dram_buf), "%s", g->spec);
					dram_spec = dram_buf;
					const struct result *l2 = gen_result(b, si, 0, R_L2);
					dram_l2_gbs = measured(l2) ? gbs(l2) : 0;
				}
				if (ni == 0 && r == R_L2 && measured(g) && gws(g) < min_l2) {
					min_l2 = gws(g);
					snprintf(l2_buf, sizeof(l2_buf), "%s", g->spec);
					l2_spec = l2_buf;
					l2_ref_gws = measured(a) ? gws(a) : 0;
				}
				char shape[32];
				snprintf(shape, sizeof(shape), "%dx%d", shapes[si][0], shapes[si][1]);
				fprintf(b->out, "| %-11s | %2d | %-4s | %13s | %12s | %19s | %-21s |\n", shape, batches[ni], res_names[r], td,
				       ga, gg, ceil);
			}
	fprintf(b->out, "\ntargets (worst case over the shapes above):\n");
	if (!any_tuned)
		fprintf(b->out, "  %-48s NOT MEASURED -- no tuned spec for this CPU (run `trit tune MODEL`)\n",
		       "tuned >= default on every shape");
	else {
		snprintf(reason, sizeof(reason), "tuned and default are measured the same way here and in trit tune "
		                                 "(bench/kmeasure.h): noise between runs, or a table tuned under "
		                                 "other load (re-run trit tune)");
		/* "beat or equal": within the tuner's noise slack counts as equal */
		if (min_td < 1.0 && min_td >= 1.0 - TUNE_SLACK)
			fprintf(b->out, "  %-48s %8.2fx (target >= 1x; within the %.0f%% timing noise trit tune allows): MET\n",
			       "tuned/default speed, worst shape", min_td, 100 * TUNE_SLACK);
		else
			verdict(b, "tuned/default speed, worst shape", min_td, 1.0, "x", reason);
	}
	if (min_ga < 1e30) {
		snprintf(reason, sizeof(reason), "at %s the AVX2 reference reaches %.1f G w/s, the generated %.1f; "
		         "DRAM GEMV below 1.5x: %d shape(s) where the bandwidth ceiling is below 1.5x, %d not",
		         ga_where, ga_avx2_gws, ga_gen_gws, n_ceiling, n_below);
		verdict(b, "generated/avx2-ref speed, worst case", min_ga, 1.5, "x", reason);
	} else
		fprintf(b->out, "  %-48s NOT MEASURED -- the AVX2 reference cannot run here\n", "generated/avx2-ref >= 1.5x");
	for (int r = 0; r < R_COUNT; r++)
		if (min_gemm[r] < 1e30) {
			char what[64];
			snprintf(reason, sizeof(reason), "at %s GEMM n=64 reaches %.1f G w-tokens/s vs GEMV %.1f G w/s",
			         gemm_buf[r], gemm_gws[r], gemv_gws[r]);
			snprintf(what, sizeof(what), "GEMM n=64 / GEMV per-token (%s), worst shape", res_names[r]);
			verdict(b, what, min_gemm[r], 4.0, "x", reason);
		}
	if (min_dram < 1e30) {
		if (dram_l2_gbs < 0.85 * bw)
			snprintf(reason, sizeof(reason), "compute-bound: even from L2 this kernel streams only %.1f GB/s (%s)",
			         dram_l2_gbs, dram_spec);
		else
			snprintf(reason, sizeof(reason), "from L2 it streams %.1f GB/s, so DRAM reads are not kept in flight (%s)",
			         dram_l2_gbs, dram_spec);
		verdict(b, "DRAM GEMV % of read bandwidth, worst shape", min_dram, 85.0, "%", reason);
	}
	if (min_l2 < 1e30) {
		snprintf(reason, sizeof(reason), "%s; the AVX2 reference reaches %.1f G w/s on the same slice", l2_spec,
		         l2_ref_gws);
		verdict(b, "L2 GEMV G weights/s, worst shape", min_l2, 60.0, "", reason);
	}
}

/* measures and prints GEMV (n=1) of every kind x ISA tier (default tiles) and each kind's scalar
 * reference on every shape into kind_results; tiers this CPU lacks and kinds a shape cannot use
 * print n/a with the reason */
static void bench_kind_tiers(struct kb *b, struct jit *j, struct rng *rg, int nshapes, const int32_t (*shapes)[2], int reps,
                             size_t l2_budget, size_t dram_total, double bw)
{
	const struct cpu_info *cpu = b->cpu;
	fprintf(b->out, "\nper kind and ISA tier (default tiles, n=1, single thread); L2 and DRAM as above;\n"
	       "ref = the kind's scalar reference kernel on the portable spec:\n");
	fprintf(b->out, "| shape       | kind | tier       | L2 rows | L2 us/call | L2 Gw/s | DRAM us/call | DRAM GB/s | %%bw   "
	       "| spec\n");
	fprintf(b->out, "|-------------|------|------------|---------|------------|---------|--------------|-----------|-------"
	       "|-----\n");
	for (int si = 0; si < nshapes; si++) {
		int32_t m = shapes[si][0], k = shapes[si][1];
		char shape[32];
		snprintf(shape, sizeof(shape), "%dx%d", m, k);
		int8_t *t, *x;
		random_operands(rg, m, k, &t, &x);
		struct km_copies copies[KIND_COUNT] = {{0}};
		for (int kind = 0; kind < KIND_COUNT; kind++)
			for (int ti = 0; ti < TIER_COUNT; ti++) {
				struct result *out = b->kind_results[si][kind][ti];
				enum isa isa = ti < (int)COUNTOF(tiers) ? tiers[ti] : ISA_SCALAR;
				struct kernel_spec s;
				struct error e;
				char why[96] = "";
				for (int r = 0; r < R_COUNT; r++)
					out[r].sec = -1;
				if (!isa_available(isa, cpu))
					snprintf(why, sizeof(why), "n/a (this CPU lacks %s)", isa_name(isa));
				else if (spec_default(&s, (enum kernel_kind)kind, isa, m, k, 1, cpu, &e) != 0)
					snprintf(why, sizeof(why), "n/a (%.80s)", e.msg);
				if (why[0])
					for (int r = 0; r < R_COUNT; r++)
						snprintf(out[r].status, sizeof(out[r].status), "%s", why);
				else
					measure(j, ti < (int)COUNTOF(tiers) ? RUN_JIT : RUN_REF, &s, t, x, reps, l2_budget,
					        dram_total, copies, 1, out);
				const struct result *l2 = &out[R_L2], *dr = &out[R_DRAM];
				fprintf(b->out, "| %-11s | %-4s | %-10s | ", shape, kind_name((enum kernel_kind)kind), tier_name(ti));
				if (!measured(l2) && !measured(dr))
					fprintf(b->out, "%s\n", l2->status);
				else {
					if (measured(l2))
						fprintf(b->out, "%7d | %10.1f | %7.2f | ", l2->rows, l2->sec * 1e6, gws(l2));
					else
						fprintf(b->out, "%-39.39s | ", l2->status);
					if (measured(dr))
						fprintf(b->out, "%12.1f | %9.2f | %4.0f%% | %s\n", dr->sec * 1e6, gbs(dr), 100.0 * gbs(dr) / bw,
						       dr->spec);
					else
						fprintf(b->out, "%s | %s\n", dr->status, l2->spec);
				}
				fflush(b->out);
			}
		copies_free(copies);
		free(t);
		free(x);
	}
}

int kbench_run(const struct kbench_options *o, FILE *out, struct error *e)
{
	int reps = o->reps, quick = o->quick;
	struct kb *b = xcalloc(1, sizeof(*b));
	b->out = out;
	const struct cpu_info *cpu = b->cpu = &o->site->cpu;
	fprintf(b->out, "cpu: %s (%s); L2 %zu KiB, L3 %zu KiB\n", o->site->cpu_model, o->site->features, cpu->l2 / 1024,
	        cpu->l3 / 1024);
	size_t bw_bytes = quick ? (size_t)16 << 20 : (size_t)512 << 20;
	struct bandwidth bws;
	read_bandwidth(bw_bytes, 3, &bws);
	double bw = bws.best;
	fprintf(b->out, "single-thread read bandwidth (%zu MiB touched first, %s, best of 3 per prefetch distance): "
	       "%.2f GB/s\n", bw_bytes >> 20, bws.how, bw);
	fprintf(b->out, "  best with software prefetch %zu KiB ahead; without software prefetch %.2f GB/s (%.0f%%)\n\n",
	       bws.best_ahead / 1024, bws.no_prefetch, 100.0 * bws.no_prefetch / bw);

	struct jit *j = o->jit;
	struct error ae;
	struct rng rg;
	rng_seed(&rg, 1);
	size_t l2_budget = km_l2_budget(cpu);
	size_t dram_total = quick ? (size_t)4 << 20 : km_dram_total(cpu);
	const int32_t(*shapes)[2] = quick ? shapes_quick : shapes_2b4t;
	int nshapes = quick ? (int)COUNTOF(shapes_quick) : (int)COUNTOF(shapes_2b4t);
	fprintf(b->out, "Measured by bench/kmeasure.h, the code `trit tune` ranks candidates with. L2: rows [0, R) of the\n"
	       "matrix, R the most whole row tiles whose packed weights fit in half of L2, called %d times after\n"
	       "a warm-up (scalar reference: twice), the fastest kept; DRAM: calls cycling round-robin over copies\n"
	       "of the whole matrix totalling %zu MiB (%s), fastest of 3 windows of >= 50 ms (scalar reference:\n"
	       "1 window of 2 calls). us/call is per whole-matrix call (L2: the slice's time x m / R). tuned and\n"
	       "default are measured alternately, 10 times in L2 and 3 times from DRAM, the fastest kept. Gw/s = weights x tokens per second;\n"
	       "GB/s = packed weight bytes per second; %%bw = of the best measured read bandwidth. tuned =\n"
	       "the tuning records' spec (\"= default\" when it is the default spec: one measurement, ratio 1.00);\n"
	       "default = the runtime's spec without tuning.\n\n",
	       reps, dram_total >> 20, quick ? "--quick: NOT more than L3" : "> L3");
	fprintf(b->out, "| shape       | n  | kernel     | res  | us/call    | Gw/s    | GB/s    | %%bw    | spec\n");
	fprintf(b->out, "|-------------|----|------------|------|------------|---------|---------|--------|-----\n");
	for (int si = 0; si < nshapes; si++) {
		int32_t m = shapes[si][0], k = shapes[si][1];
		char shape[32];
		snprintf(shape, sizeof(shape), "%dx%d", m, k);
		int8_t *t, *x;
		random_operands(&rg, m, k, &t, &x);
		struct km_copies copies[KIND_COUNT] = {{0}};
		for (int ni = 0; ni < 2; ni++) {
			int32_t n = batches[ni];
			struct kernel_spec specs[K_COUNT];
			int have[K_COUNT] = {0};
			struct result *res = &b->results[si][ni][0][0];
			for (int kk = 0; kk < K_COUNT; kk++)
				for (int r = 0; r < R_COUNT; r++) {
					res[kk * R_COUNT + r].sec = -1;
					res[kk * R_COUNT + r].spec[0] = 0;
				}
			have[K_TUNED] = o->records && tune_table_lookup(o->records, m, k, n, &specs[K_TUNED]) == 0;
			if (!have[K_TUNED])
				for (int r = 0; r < R_COUNT; r++)
					snprintf(b->results[si][ni][K_TUNED][r].status, sizeof(b->results[0][0][0][0].status), "not tuned");
			have[K_DEFAULT] = tune_default_spec(cpu, m, k, n, &specs[K_DEFAULT]) == 0;
			if (!have[K_DEFAULT])
				for (int r = 0; r < R_COUNT; r++)
					snprintf(b->results[si][ni][K_DEFAULT][r].status, sizeof(b->results[0][0][0][0].status),
					         "no kind holds this shape");
			specs[K_REF] = specs[K_DEFAULT];
			have[K_REF] = have[K_DEFAULT];
			if (!have[K_REF])
				for (int r = 0; r < R_COUNT; r++)
					snprintf(b->results[si][ni][K_REF][r].status, sizeof(b->results[0][0][0][0].status),
					         "no kind holds this shape");
			have[K_AVX2] = avx2_ref_available() &&
			               spec_default(&specs[K_AVX2], KIND_I2S, ISA_AVX2, m, k, n, cpu, &ae) == 0;
			if (!have[K_AVX2])
				for (int r = 0; r < R_COUNT; r++)
					snprintf(b->results[si][ni][K_AVX2][r].status, sizeof(b->results[0][0][0][0].status), "%s",
					         avx2_ref_available() ? "I2S cannot hold this shape" : "no AVX2 here");
			b->same_as_default[si][ni] = have[K_TUNED] && have[K_DEFAULT] && same_spec(&specs[K_TUNED], &specs[K_DEFAULT]);
			if (b->same_as_default[si][ni])
				have[K_TUNED] = 0;
			/* tuned and default alternately (the machine's load drifts, and the other hyperthread of the
			 * core may be busy): ten rounds in L2, the first three also from DRAM; then the refs */
			for (int round = 0; round < 10; round++)
				for (int kk = K_TUNED; kk <= K_DEFAULT; kk++) {
					if (!have[kk])
						continue;
					struct result once[R_COUNT];
					memset(once, 0, sizeof(once));
					for (int r = 0; r < R_COUNT; r++)
						once[r].sec = -1;
					measure(j, kernel_runners[kk], &specs[kk], t, x, reps, l2_budget, dram_total, copies, round < 3,
					        once);
					for (int r = 0; r < R_COUNT; r++)
						if (round == 0 || (measured(&once[r]) && once[r].sec < b->results[si][ni][kk][r].sec))
							b->results[si][ni][kk][r] = once[r];
				}
			for (int kk = K_REF; kk < K_COUNT; kk++)
				if (have[kk])
					measure(j, kernel_runners[kk], &specs[kk], t, x, reps, l2_budget, dram_total, copies, 1,
					        b->results[si][ni][kk]);
			if (b->same_as_default[si][ni])
				for (int r = 0; r < R_COUNT; r++) {
					b->results[si][ni][K_TUNED][r] = b->results[si][ni][K_DEFAULT][r];
					memcpy(b->results[si][ni][K_TUNED][r].spec, "= default", 10);
				}
			for (int kk = 0; kk < K_COUNT; kk++)
				for (int r = 0; r < R_COUNT; r++)
					print_row(b, shape, n, kk, r, &b->results[si][ni][kk][r], bw);
		}
		copies_free(copies);
		free(t);
		free(x);
	}
	print_targets(b, nshapes, shapes, bw);
	bench_kind_tiers(b, j, &rg, nshapes, shapes, reps, l2_budget, dram_total, bw);
	int rc = 0;
	if (o->csv) {
		rc = write_csv(b, o->csv, nshapes, shapes, bw, e);
		if (rc == 0)
			fprintf(out, "\ncsv: %s\n", o->csv);
	}
	if (o->plot && rc == 0) {
		rc = write_plot(b, o->plot, nshapes, shapes, bw, e);
		if (rc == 0)
			fprintf(out, "plot: %s\n", o->plot);
	}
	fflush(out);
	free(b);
	return rc;
}
