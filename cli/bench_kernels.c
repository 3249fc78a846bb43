/* bench_kernels.c: `trit bench --kernels`: single-thread throughput of every generated kernel
 * kind × ISA tier of this CPU, and of the scalar reference, on BitNet b1.58 2B4T's shapes,
 * against this machine's streaming read bandwidth measured in the same run. Timings are printed,
 * never judged. requires: llvm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "base/rng.h"
#include "base/util.h"
#include "cli/cli.h"
#include "gen/kernel.h"
#include "jit/jit.h"

static const int32_t shapes_2b4t[][2] = {{2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912}};

/* single-thread streaming read bandwidth over a buffer of `bytes`, best of `reps`, in GB/s */
static double read_bandwidth(size_t bytes, int reps)
{
	size_t n = bytes / sizeof(uint64_t);
	uint64_t *buf = xaligned_alloc(4096, n * sizeof(uint64_t));
	for (size_t i = 0; i < n; i++)
		buf[i] = i;
	double best = 0;
	volatile uint64_t sink = 0;
	for (int r = 0; r < reps; r++) {
		uint64_t s[8] = {0};
		double t0 = now_seconds();
		for (size_t i = 0; i < n; i += 8)
			for (int j = 0; j < 8; j++)
				s[j] += buf[i + j];
		double dt = now_seconds() - t0;
		sink += s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
		if (bytes / dt / 1e9 > best)
			best = bytes / dt / 1e9;
	}
	(void)sink;
	free(buf);
	return best;
}

struct bench {
	struct kernel_spec s;
	kernel_fn fn; /* NULL: ref_kernel */
	uint8_t *w;   /* copies × pack_size */
	size_t psize;
	int copies;
	int8_t *x;
	int32_t *y;
	void *scratch;
};

static int bench_setup(struct bench *b, const struct kernel_spec *s, kernel_fn fn, int copies, struct rng *r)
{
	b->s = *s;
	b->fn = fn;
	b->psize = pack_size(s);
	b->copies = copies;
	int8_t *t = xmalloc((size_t)s->m * s->k);
	for (size_t i = 0; i < (size_t)s->m * s->k; i++)
		t[i] = (int8_t)((int)rng_below(r, 3) - 1);
	b->w = xaligned_alloc(64, b->psize * (size_t)copies);
	pack_weights(s, t, b->w);
	for (int c = 1; c < copies; c++)
		memcpy(b->w + b->psize * (size_t)c, b->w, b->psize);
	free(t);
	b->x = xmalloc((size_t)s->n * s->k);
	for (size_t i = 0; i < (size_t)s->n * s->k; i++)
		b->x[i] = (int8_t)((int)rng_below(r, 255) - 127);
	b->y = xmalloc(sizeof(int32_t) * (size_t)s->n * s->m);
	size_t ss = kernel_scratch_size(s);
	b->scratch = ss ? xaligned_alloc(64, ss) : NULL;
	return 0;
}

static void bench_free(struct bench *b)
{
	free(b->w);
	free(b->x);
	free(b->y);
	free(b->scratch);
}

/* seconds per call (best of reps), each rep cycling once over every copy */
static double bench_time(struct bench *b, int reps)
{
	double best = 1e30;
	struct kernel_args a = {.x = b->x, .y = b->y, .ldx = b->s.k, .ldy = b->s.m, .n = b->s.n,
	                        .row0 = 0, .row1 = b->s.m, .scratch = b->scratch};
	for (int r = 0; r < reps; r++) {
		double t0 = now_seconds();
		for (int c = 0; c < b->copies; c++) {
			a.w = b->w + b->psize * (size_t)c;
			if (b->fn)
				b->fn(&a);
			else
				ref_kernel(&b->s, &a);
		}
		double dt = (now_seconds() - t0) / b->copies;
		if (dt < best)
			best = dt;
	}
	return best;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: trit bench --kernels [--shapes 2b4t] [--reps N]\n"
	           "  single-thread GEMV/GEMM throughput of every kernel kind x ISA tier of this CPU and of\n"
	           "  the scalar reference on BitNet b1.58 2B4T shapes, weights in L2 and in DRAM, against the\n"
	           "  read bandwidth measured in the same run (--reps: repetitions of the L2 runs, default 20)\n");
}

static void row(const char *shape, const struct kernel_spec *s, const char *name, const char *mode, double sec,
                double bw)
{
	double bytes = (double)pack_size(s), w = (double)s->m * s->k * s->n;
	printf("| %-10s | %-4s | %-15s | %-8s | %9.1f | %7.2f | %7.2f | %5.0f%% |\n", shape, kind_name(s->kind), name, mode,
	       sec * 1e6, bytes / sec / 1e9, w / sec / 1e9, 100.0 * bytes / sec / 1e9 / bw);
	fflush(stdout);
}

int bench_kernels_main(int argc, char **argv)
{
	int reps = 20;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kernels"))
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--shapes") && i + 1 < argc) {
			if (strcmp(argv[++i], "2b4t") != 0)
				die("bench --kernels: unknown shape set '%s' (known: 2b4t)", argv[i]);
			continue;
		}
		if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 100000)
				die("bench --kernels: --reps needs a number from 1 to 100000, got '%s'", argv[i]);
			reps = (int)v;
			continue;
		}
		die("bench --kernels: unknown option '%s' (see --help)", argv[i]);
	}
	printf("command: trit bench");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	const struct cpu_info *cpu = cpu_host();
	char feat[256];
	cpu_feature_string(cpu, feat, sizeof(feat));
	printf("cpu: %s; L2 %zu KiB, L3 %zu KiB\n", feat, cpu->l2 / 1024, cpu->l3 / 1024);
	double bw = read_bandwidth((size_t)512 << 20, 3);
	printf("single-thread read bandwidth (512 MiB streaming sum, best of 3): %.2f GB/s\n\n", bw);

	struct error e;
	struct jit *j = jit_create(&e);
	if (!j)
		die("%s", e.msg);
	struct rng r;
	rng_seed(&r, 1);
	static const enum isa tiers[] = {ISA_AVX2, ISA_AVXVNNI, ISA_AVX512VNNI};
	size_t l2_budget = (cpu->l2 ? cpu->l2 : (1 << 20)) / 2, dram_total = (size_t)256 << 20;
	printf("L2: a row slice of the matrix whose packed weights fit in half of L2, called %d times;\n"
	       "DRAM: cycling over copies of the whole matrix totalling >= 256 MiB (> L3). GB/s = packed weight\n"
	       "bytes per second; Gw/s = weights (x tokens) per second; %% = of the measured read bandwidth.\n\n", reps);
	printf("| shape      | kind | kernel          | mode     | us/call   | GB/s    | Gw/s    | %%bw    |\n");
	printf("|------------|------|-----------------|----------|-----------|---------|---------|--------|\n");
	for (size_t si = 0; si < COUNTOF(shapes_2b4t); si++) {
		int32_t m = shapes_2b4t[si][0], k = shapes_2b4t[si][1];
		char shape[32];
		snprintf(shape, sizeof(shape), "%dx%d", m, k);
		for (int kind = 0; kind < KIND_COUNT; kind++) {
			for (size_t ti = 0; ti <= COUNTOF(tiers); ti++) {
				int is_ref = ti == COUNTOF(tiers);
				enum isa isa = is_ref ? ISA_SCALAR : tiers[ti];
				if (!isa_available(isa, cpu))
					continue;
				struct kernel_spec full;
				if (spec_default(&full, (enum kernel_kind)kind, isa, m, k, 1, cpu, &e) != 0) {
					printf("| %-10s | %-4s | %-15s | skipped: %s\n", shape, kind_name(kind), isa_name(isa), e.msg);
					continue;
				}
				char name[32];
				snprintf(name, sizeof(name), "%s%s", isa_name(isa), is_ref ? " (ref)" : "");
				/* L2: a slice of whole row groups that fits */
				struct kernel_spec sl = full;
				int32_t rows = (int32_t)(l2_budget / (pack_size(&full) / (size_t)m));
				rows = rows / 32 * 32;
				sl.m = rows < 32 ? 32 : rows > m ? m : rows;
				if (sl.bm > sl.m)
					sl.bm = sl.m / sl.rb * sl.rb;
				kernel_fn fn = NULL;
				if (!is_ref && !(fn = jit_kernel(j, &sl, &e))) {
					printf("| %-10s | %-4s | %-15s | failed: %s\n", shape, kind_name(kind), name, e.msg);
					continue;
				}
				struct bench b;
				bench_setup(&b, &sl, fn, 1, &r);
				double t_l2 = bench_time(&b, is_ref ? 1 : reps);
				bench_free(&b);
				row(shape, &sl, name, "L2", t_l2, bw);
				if (is_ref)
					continue;
				kernel_fn ff = jit_kernel(j, &full, &e);
				if (!ff)
					die("%s", e.msg);
				int copies = (int)((dram_total + pack_size(&full) - 1) / pack_size(&full));
				bench_setup(&b, &full, ff, copies, &r);
				bench_time(&b, 1); /* warm the page tables */
				double t_dram = bench_time(&b, 2);
				bench_free(&b);
				row(shape, &full, name, "DRAM", t_dram, bw);
				/* GEMM n = 64 on the L2 slice: per-token throughput relative to GEMV */
				struct kernel_spec gm = sl;
				gm.n = 64;
				kernel_fn gf = jit_kernel(j, &gm, &e);
				if (!gf)
					die("%s", e.msg);
				bench_setup(&b, &gm, gf, 1, &r);
				double t_gemm = bench_time(&b, reps > 4 ? reps / 4 : 1);
				bench_free(&b);
				row(shape, &gm, name, "GEMM n64", t_gemm, bw);
				printf("|            |      | GEMM/GEMV per-token throughput: %.2fx\n", t_l2 * 64 / t_gemm);
			}
		}
	}
	jit_destroy(j);
	return 0;
}
