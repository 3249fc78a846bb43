#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/util.h"
#include "config.h"
#include "cli/cli.h"
#include "cli/run_common.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit bench [-m FILE] [-p N] [-n N] [-r N] [-t LIST] [--kernel KIND] [--lm-head LIST]\n"
	           "       trit bench --kernels ...   (per-kernel benchmarks)\n\n"
	           "Whole-model throughput in the style of llama-bench: prompt processing of N tokens (ppN,\n"
	           "batched) and generation of N tokens one at a time (tgN), mean +/- standard deviation over\n"
	           "the repetitions. The last column is, for tgN, the decode roofline: the bytes a token reads\n"
	           "(every packed ternary matrix and the output layer once) at the read bandwidth measured in the\n"
	           "same run with as many threads, and the measured rate as a percentage of it.\n\n"
	           "  -m FILE        model (default: $TRIT_MODEL, else the demo model)\n"
	           "  -p N           prompt tokens (default 128; 0 = skip)\n"
	           "  -n N           generated tokens (default 64; 0 = skip)\n"
	           "  -r N           repetitions (default 5)\n"
	           "  -t LIST        thread counts, e.g. 1,2 (default: physical cores)\n"
	           "  --kernel KIND  auto, i2s, tl1, tl2 or ref\n"
	           "  --lm-head LIST output layer types to measure: file (the file's type), q8 (int8 rows);\n"
	           "                 default file,q8\n");
}

/* tokens/s of one repetition of ppN (gen = 0) or tgN (gen = 1) */
static double one_rep(struct session *s, const int32_t *toks, int n, int gen, float *logits)
{
	trit_error err;
	trit_kv_clear(s->sess, -1);
	double t0 = now_seconds();
	for (int i = 0; i < (gen ? n : 1); i++) {
		trit_batch b = {.n = gen ? 1 : n, .tokens = toks + i};
		if (trit_decode(s->sess, &b, logits, &err) < 0)
			die("%s", err.msg);
	}
	double dt = now_seconds() - t0;
	return dt > 0 ? n / dt : 0;
}

static void print_row(const trit_model_stats *st, const char *desc, int threads, const char *test, const double *v,
                      int reps, double gbs)
{
	double mean = 0, sd = 0;
	for (int i = 0; i < reps; i++)
		mean += v[i];
	mean /= reps;
	for (int i = 0; i < reps; i++)
		sd += (v[i] - mean) * (v[i] - mean);
	sd = reps > 1 ? sqrt(sd / (reps - 1)) : 0;
	/* the kernel this test runs: the GEMV for tgN, the GEMM for ppN */
	const char *kern = test[0] == 't' ? st->gemv_kernel : st->gemm_kernel;
	char roof[48] = "-";
	if (gbs > 0) {
		double top = gbs * 1e9 / st->decode_bytes;
		snprintf(roof, sizeof(roof), "%.3f GB %.1f GB/s %.1f t/s %3.0f %%", st->decode_bytes / 1e9, gbs, top,
		         100 * mean / top);
	}
	printf("| %-34s | %9.2f MiB | %8.2f M | %-14s | %-6s | %7d | %6s | %10.2f ± %.2f | %-33s |\n", desc,
	       st->file_bytes / 1048576.0, st->params / 1e6, kern, st->output_type, threads, test, mean, sd, roof);
	fflush(stdout);
}

int cmd_bench(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--kernels"))
			return bench_kernels_main(argc, argv);
	struct run_opts o;
	run_opts_default(&o);
	int pp = 128, tg = 64, reps = 5, nthreads = 0, threads[16], nheads = 2, heads[2] = {0, 1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if ((!strcmp(a, "-p") || !strcmp(a, "-n") || !strcmp(a, "-r") || !strcmp(a, "-t")) && i + 1 >= argc)
			die("bench: option '%s' needs a value", a);
		if (!strcmp(a, "-p") || !strcmp(a, "-n") || !strcmp(a, "-r")) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || v < 0 || v > 100000 || (!strcmp(a, "-r") && v < 1))
				die("bench: option '%s': bad value '%s'", a, argv[i]);
			*(!strcmp(a, "-p") ? &pp : !strcmp(a, "-n") ? &tg : &reps) = (int)v;
		} else if (!strcmp(a, "-t")) {
			char *p = argv[++i], *end;
			nthreads = 0;
			for (;;) {
				long v = strtol(p, &end, 10);
				if (end == p || v < 1 || v > 1024 || nthreads == 16 || (*end && *end != ','))
					die("bench: -t expects a list of thread counts like 1,2, got '%s'", argv[i]);
				threads[nthreads++] = (int)v;
				if (!*end)
					break;
				p = end + 1;
			}
		} else if (!strcmp(a, "--lm-head")) {
			if (i + 1 >= argc)
				die("bench: option '--lm-head' needs a value");
			char *list = argv[++i], *copy = xstrdup(list), *save = NULL;
			nheads = 0;
			for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				if (nheads == 2 || lm_head_parse(tok, &heads[nheads++]) < 0)
					die("bench: --lm-head expects file, q8 or file,q8, got '%s'", list);
			free(copy);
			if (!nheads)
				die("bench: --lm-head expects file, q8 or file,q8, got '%s'", list);
		} else if (!run_opts_parse_one(&o, argc, argv, &i)) {
			die("bench: unknown option '%s' (see 'trit bench --help')", a);
		}
	}
	if (!nthreads)
		threads[nthreads++] = 0;

	printf("| %-34s | %13s | %10s | %-14s | %-6s | %7s | %6s | %17s | %-33s |\n", "model", "size", "params", "kernel",
	       "output", "threads", "test", "t/s", "decode roofline: bytes, bw, t/s, %");
	printf("| %.34s | %.12s: | %.9s: | %.14s | %.6s | %.6s: | %.5s: | %.16s: | %.33s |\n", "----------------------------------",
	       "--------------", "-----------", "---------------", "--------", "--------", "-------", "------------------",
	       "-----------------------------------");
	double gbs_of[16] = {0};
	for (int run = 0; run < nthreads * nheads; run++) {
		o.threads = threads[run / nheads];
		o.lm_head_q8 = heads[run % nheads];
		struct session s;
		session_open(&s, &o, 0);
		if (pp + tg > s.n_ctx)
			die("bench: pp %d + tg %d exceed the context %d (use -c)", pp, tg, s.n_ctx);
		trit_model_stats st;
		trit_model_get_stats(s.model, &st);
		char desc[128];
		snprintf(desc, sizeof(desc), "%.14s %s %s", st.name, st.arch, st.weight_type);
		int nt = MAX(pp, tg);
		int32_t *toks = xmalloc((size_t)MAX(nt, 1) * sizeof(int32_t));
		struct rng r;
		rng_seed(&r, 42);
		for (int i = 0; i < nt; i++)
			toks[i] = (int32_t)rng_below(&r, (uint64_t)s.n_vocab);
		float *logits = xmalloc((size_t)s.n_vocab * sizeof(float));
		double *v = xmalloc((size_t)reps * sizeof(double));
		int th = trit_session_n_threads(s.sess);
		if (pp > 0) {
			one_rep(&s, toks, MIN(pp, 16), 0, logits); /* warm-up */
			for (int i = 0; i < reps; i++)
				v[i] = one_rep(&s, toks, pp, 0, logits);
			char test[32];
			snprintf(test, sizeof(test), "pp%d", pp);
			print_row(&st, desc, th, test, v, reps, 0);
		}
		if (tg > 0) {
			one_rep(&s, toks, MIN(tg, 4), 1, logits);
			for (int i = 0; i < reps; i++)
				v[i] = one_rep(&s, toks, tg, 1, logits);
			char test[32];
			snprintf(test, sizeof(test), "tg%d", tg);
			double *gbs = &gbs_of[run / nheads];
			if (*gbs == 0)
				*gbs = trit_measure_read_gbs((size_t)512 << 20, th, 3);
			print_row(&st, desc, th, test, v, reps, *gbs);
		}
		free(v);
		free(logits);
		free(toks);
		session_close(&s);
	}
	return 0;
}
