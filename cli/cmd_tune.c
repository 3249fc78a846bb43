/* trit tune: autotunes the kernels of a model for this CPU (jit/tune.c) and shows the tuned
 * table (runtime/tunedb.c; --show works in builds without LLVM too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config.h"
#include "kernel/model_specs.h"
#include "format/gguf.h"
#include "format/model_meta.h"
#include "tune/tunedb.h"
#if TRIT_HAVE_LLVM
#include "tune/tune.h"
#endif

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

static int show(void)
{
	char rec[4300];
	struct error e;
	snprintf(rec, sizeof rec, "%s/records.jsonl", tunedb_dir());
	struct tune_record *r;
	int n = tunedb_read(rec, &r, &e);
	if (n < 0)
		die("%s", e.msg);
	const char *cpu = tune_host_cpu(), *feat = tune_host_features();
	int other = 0, errors = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(r[i].cpu, cpu) || strcmp(r[i].features, feat))
			other++;
		else if (r[i].error[0])
			errors++;
	}
	struct tune_best *b;
	int nb = tunedb_derive_best(r, n, cpu, feat, &b);
	free(r);
	char best[4300];
	snprintf(best, sizeof best, "%s/best.tsv", tunedb_dir());
	if (mkdir_p(tunedb_dir(), &e) < 0 || tunedb_write_best(best, b, nb, &e) < 0)
		die("%s", e.msg);
	printf("tuned kernels for %s (%s)\n", cpu, feat);
	printf("%d records (%d errors) from this CPU, %d from other CPUs ignored; %s\n", n - other, errors, other,
	       rec);
	if (nb == 0) {
		printf("no tuned shapes yet: run 'trit tune MODEL'\n");
		free(b);
		return 0;
	}
	printf("%-12s %5s %10s %10s %10s %8s  %s\n", "shape", "batch", "time_ms", "Gweights/s", "default_ms",
	       "speedup", "winner");
	for (int i = 0; i < nb; i++) {
		const struct kernel_spec *s = &b[i].spec;
		char shape[32], spec[256], def[16] = "-", speed[16] = "-";
		snprintf(shape, sizeof shape, "%dx%d", s->m, s->k);
		spec_format(s, spec, sizeof spec);
		if (b[i].default_time > 0) {
			snprintf(def, sizeof def, "%.4f", b[i].default_time * 1e3);
			snprintf(speed, sizeof speed, "x%.2f", b[i].default_time / b[i].time);
		}
		struct kernel_spec d;
		char dspec[256] = "";
		if (tune_default_spec(s->m, s->k, s->n, &d) == 0)
			spec_format(&d, dspec, sizeof dspec);
		printf("%-12s %5d %10.4f %10.1f %10s %8s  %s%s\n", shape, s->n, b[i].time * 1e3,
		       (double)s->m * s->k * s->n / b[i].time * 1e-9, def, speed, spec + strlen("kernel "),
		       !strcmp(dspec, spec) ? " (= default)" : "");
	}
	free(b);
	return 0;
}

#if TRIT_HAVE_LLVM
/* the model description of a .trit or .gguf file */
static void load_model(const char *path, struct model_desc *m)
{
	struct error e;
	if (ends_with(path, ".gguf")) {
		struct gguf g;
		if (gguf_open(&g, path, &e) < 0)
			die("%s", e.msg);
		if (model_desc_from_gguf(&g, m, &e) < 0) {
			gguf_close(&g);
			die("%s: %s", path, e.msg);
		}
		gguf_close(&g);
		return;
	}
	struct ir_file f;
	if (ir_parse_file(path, &f, &e) < 0)
		die("%s", e.msg);
	if (!f.has_model) {
		ir_free(&f);
		die("%s holds no model description", path);
	}
	*m = f.model;
	ir_free(&f);
}

#endif

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
	if (want_show && !model)
		return show();
	if (!model) {
		usage(stderr);
		return 1;
	}
#if TRIT_HAVE_LLVM
	struct tune_options o;
	struct error e;
	tune_default_options(&o);
	o.budget = budget;
	o.candidate_timeout = timeout;
	o.reps = reps;
	o.tty = isatty(2);
	const char *crash = getenv("TRIT_TUNE_CRASH_TEST");
	o.crash_test = crash && *crash && strcmp(crash, "0");
	if (batch && (o.nbatches = parse_batch_list(batch, o.batches, &e)) < 0)
		die("--batch: %s", e.msg);
	if (kinds && (o.nkinds = parse_kind_list(kinds, o.kinds, &e)) < 0)
		die("--kinds: %s", e.msg);
	struct model_desc m;
	load_model(model, &m);
	struct tune_summary sum;
	printf("tuning %s on %s: budget %.0f s, %d batch class%s\n", m.name, tune_host_cpu(), budget,
	       o.nbatches, o.nbatches > 1 ? "es" : "");
	fflush(stdout);
	if (tune_model(&m, &o, &sum, &e) < 0)
		die("%s", e.msg);
	printf("%s%d of %d shape/batch keys tuned, %d candidates measured (%d errors) in %.1f s; records in %s/\n",
	       sum.interrupted ? "interrupted: " : "", sum.keys_done, sum.keys, sum.candidates, sum.errors,
	       sum.seconds, tunedb_dir());
	if (want_show)
		show();
	return sum.interrupted ? 130 : 0;
#else
	(void)batch;
	(void)kinds;
	(void)budget;
	(void)timeout;
	(void)reps;
	die("this trit was built without LLVM: tuning needs the JIT (trit tune --show still works)");
#endif
}
