/* trit tune: autotunes the kernels of a model for this CPU and shows the tuned table (trit_tune and
 * trit_tune_show of include/trit.h; --show works in builds without LLVM too). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "cli/cli.h"
#include "include/trit.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit tune MODEL.trit|FILE.gguf [--budget SECONDS] [--batch 1,64] [--kinds i2s,tl1,tl2]\n"
	           "                 [--timeout SECONDS] [--reps N]\n"
	           "       trit tune --show\n"
	           "  Searches kind, ISA tier and tile parameters for every BitLinear shape of the model and\n"
	           "  every batch size, measuring each candidate (compiled and checked bit-exact in a child\n"
	           "  process) on one thread with weights in L2 and from DRAM, as 'trit bench --kernels' does.\n"
	           "  Later runs on this CPU use the default spec unless a candidate beat it by 3 %% twice\n"
	           "  (GEMV ranked mostly by its DRAM time, GEMM by its L2 time), slower in neither by > 1 %%.\n"
	           "  --budget   seconds for the whole run (default 60); Ctrl-C stops early, keeping results\n"
	           "  --batch    batch classes: 1 = token generation, the prefill tile (default 1,64)\n"
	           "  --kinds    kernel kinds to consider (default i2s,tl1,tl2)\n"
	           "  --timeout  seconds one candidate may take (default 20)\n"
	           "  --reps     N: 4N L2 calls and N DRAM windows (2..8) per candidate, fastest kept (default 5)\n"
	           "  --show     print the tuned table for this CPU (records from other CPUs are ignored)\n"
	           "  Records: $TRIT_CACHE_DIR/tune/records.jsonl (one JSON line per measurement) and the\n"
	           "  derived best.tsv.\n");
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* the progress line on a terminal, redrawn in place and cleared as each key ends */
static void show_progress(void *user, const trit_tune_progress *p)
{
	(void)user;
	if (p->key_done) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	char best[64] = "-";
	if (p->best_ms > 0)
		snprintf(best, sizeof best, "%.3f ms %s", p->best_ms, p->best_kind);
	fprintf(stderr, "\r\033[K[%d/%d keys] %d candidates (%d errors)  m=%d k=%d n=%d best %s  %.0f s left",
	        p->keys_done, p->keys, p->candidates, p->errors, p->m, p->k, p->n, best, p->seconds_left);
	fflush(stderr);
}

int cmd_tune(int argc, char **argv)
{
	const char *model = NULL, *batch = NULL, *kinds = NULL;
	double budget = 60, timeout = 20;
	int reps = 5, want_show = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--show")) {
			want_show = 1;
		} else if (!strcmp(a, "--budget") || !strcmp(a, "--timeout") || !strcmp(a, "--reps")) {
			char *end;
			if (!v)
				die("%s needs a value", a);
			double d = strtod(v, &end);
			if (*end || !(d > 0) || d > 1e6)
				die("%s: expected a positive number, got '%s'", a, v);
			if (!strcmp(a, "--budget"))
				budget = d;
			else if (!strcmp(a, "--timeout"))
				timeout = d;
			else if (d != (int)d || d > 32)
				die("--reps: expected an integer from 1 to 32, got '%s'", v);
			else
				reps = (int)d;
			i++;
		} else if (!strcmp(a, "--batch") || !strcmp(a, "--kinds")) {
			if (!v)
				die("%s needs a value", a);
			*(!strcmp(a, "--batch") ? &batch : &kinds) = v;
			i++;
		} else if (a[0] == '-') {
			die("tune: unknown option '%s' (see trit tune --help)", a);
		} else if (model) {
			die("tune: one model at a time (got '%s' and '%s')", model, a);
		} else {
			model = a;
		}
	}
	if (!want_show && !model) {
		usage(stderr);
		return 1;
	}
	trit_error err;
	trit_ctx *ctx = cli_ctx();
	if (!model) {
		if (trit_tune_show(ctx, stdout, &err) < 0)
			die("%s", err.msg);
		trit_ctx_finish(ctx);
		return 0;
	}
	trit_tune_options o;
	trit_tune_options_default(&o);
	o.budget = budget;
	o.candidate_timeout = timeout;
	o.reps = reps;
	o.batches = batch;
	o.kinds = kinds;
	const char *crash = getenv("TRIT_TUNE_CRASH_TEST");
	o.crash_test = crash && *crash && strcmp(crash, "0");
	if (isatty(2))
		o.progress = show_progress;
	o.stop = &interrupted; /* Ctrl-C ends the run early; what was measured is kept */
	struct sigaction sa = {.sa_handler = on_sigint}, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	trit_tune_result r;
	int rc = trit_tune(ctx, model, &o, stdout, &r, &err);
	sigaction(SIGINT, &old, NULL);
	if (rc < 0)
		die("%s", err.msg);
	if (want_show && trit_tune_show(ctx, stdout, &err) < 0)
		die("%s", err.msg);
	trit_ctx_finish(ctx);
	return r.interrupted ? 130 : 0;
}
