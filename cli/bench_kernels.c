/* bench_kernels.c: `trit bench --kernels`: its flags and help; the benchmark is trit_bench_kernels
 * of include/trit.h (tune/kbench.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "include/trit.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit bench --kernels [--shapes 2b4t] [--reps N] [--quick] [--csv FILE] [--plot FILE.svg]\n"
	           "  single-thread GEMV (n=1) and GEMM (n=64) throughput on BitNet b1.58 2B4T shapes of the\n"
	           "  generated kernel (tuned spec and default spec), the scalar reference and the hand-written\n"
	           "  AVX2 I2S reference, weights in L2 and in DRAM, against the read bandwidth measured in the\n"
	           "  same run; then the ratios of the targets (MET / MISSED BY); then GEMV (n=1) of every\n"
	           "  kernel kind x ISA tier with default tiles and of each kind's scalar reference.\n"
	           "  --reps N     repetitions of the L2 runs (default 20)\n"
	           "  --quick      one small shape and tiny buffers (a smoke test; the numbers mean little)\n"
	           "  --csv FILE   one row per shape x n x kernel x residency, then per shape x kind/tier x residency\n"
	           "  --plot FILE  SVG bar chart of GEMV GB/s (weights in DRAM) by shape for each kernel\n");
}

int bench_kernels_main(int argc, char **argv)
{
	trit_bench_kernels_options o;
	trit_bench_kernels_options_default(&o);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kernels"))
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--quick")) {
			o.quick = 1;
			continue;
		}
		if (!strcmp(argv[i], "--shapes") && i + 1 < argc) {
			if (strcmp(argv[++i], "2b4t") != 0)
				die("bench --kernels: unknown shape set '%s' (known: 2b4t)", argv[i]);
			continue;
		}
		if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			o.csv = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--plot") && i + 1 < argc) {
			o.plot = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 100000)
				die("bench --kernels: --reps needs a number from 1 to 100000, got '%s'", argv[i]);
			o.reps = (int)v;
			continue;
		}
		die("bench --kernels: unknown option '%s' (see --help)", argv[i]);
	}
	printf("command: trit bench");
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	trit_error err;
	trit_ctx *ctx = cli_ctx();
	if (trit_bench_kernels(ctx, &o, stdout, &err) < 0)
		die("%s", err.msg);
	trit_ctx_finish(ctx);
	return 0;
}
