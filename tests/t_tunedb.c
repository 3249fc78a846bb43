/* t_tunedb.c: tuning records — JSON round trip (escapes included), best-per-key derivation,
 * corrupt and truncated lines skipped, records of other CPUs and measuring methods ignored, the
 * default kept unless a candidate beats it by the margin twice, best.tsv round trip and the
 * runtime lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "tune/tunedb.h"
#include "tests/test.h"

static struct tune_record make(int32_t m, int32_t k, int32_t n, const char *cfg_tail, double t,
                               const char *cpu, const char *feat)
{
	struct tune_record r;
	memset(&r, 0, sizeof r);
	tune_key(m, k, n, cpu, feat, r.key, sizeof r.key);
	snprintf(r.config, sizeof r.config, "kernel i2s m=%d k=%d n=%d %s", m, k, n, cfg_tail);
	r.time = t;
	snprintf(r.method, sizeof r.method, "%s", TUNE_METHOD);
	r.l2 = r.dram = t;
	r.ndram = 2;
	r.dram_reps[0] = t;
	r.dram_reps[1] = t * 1.5;
	r.nreps = 3;
	r.reps[0] = t * 1.1;
	r.reps[1] = t;
	r.reps[2] = t * 0.9;
	snprintf(r.cpu, sizeof r.cpu, "%s", cpu);
	snprintf(r.features, sizeof r.features, "%s", feat);
	snprintf(r.trit, sizeof r.trit, "0.1");
	snprintf(r.llvm, sizeof r.llvm, "19.1.7");
	snprintf(r.date, sizeof r.date, "2025-01-02T03:04:05Z");
	return r;
}

static const char *tail_a = "isa=avx2 bm=64 bk=256 rb=4 unroll=1 prefetch=0 threads=1";
static const char *tail_b = "isa=avx2 bm=128 bk=256 rb=2 unroll=2 prefetch=512 threads=1";

TEST(record_round_trip)
{
	struct tune_record r = make(2560, 2560, 1, tail_a, 1.25e-4, "Some \"CPU\"\\x", "avx2 fma"), q;
	snprintf(r.vs, sizeof r.vs, "kernel i2s m=2560 k=2560 n=1 %s", tail_b);
	r.vs_l2 = 3e-5;
	r.vs_dram = 2e-4;
	char line[4096];
	struct error e;
	CHECK(tune_record_format(&r, line, sizeof line) == 0);
	CHECK(line[strlen(line) - 1] == '\n');
	CHECKF(tune_record_parse(line, &q, &e) == 0, "%s in %s", e.msg, line);
	CHECK(!strcmp(q.key, r.key) && !strcmp(q.config, r.config) && !strcmp(q.cpu, r.cpu));
	CHECK(!strcmp(q.features, r.features) && !strcmp(q.date, r.date) && !strcmp(q.llvm, r.llvm));
	CHECK_EQ_INT(q.nreps, 3);
	CHECK(q.time > 1.2499e-4 && q.time < 1.2501e-4 && q.reps[2] > 1.12e-4 && q.reps[2] < 1.13e-4);
	CHECK(q.error[0] == 0);
	CHECK(!strcmp(q.method, TUNE_METHOD) && q.l2 == r.l2 && q.dram == r.dram && q.ndram == 2);
	CHECK(q.dram_reps[1] > 1.87e-4 && q.dram_reps[1] < 1.88e-4);
	CHECK(!strcmp(q.vs, r.vs) && q.vs_l2 == 3e-5 && q.vs_dram == 2e-4);
	/* an error record: time null, error text with a newline and a tab */
	snprintf(r.error, sizeof r.error, "crashed: signal 11\n\tdetail");
	CHECK(tune_record_format(&r, line, sizeof line) == 0);
	CHECK(strstr(line, "\"time\":null") != NULL);
	CHECK(strchr(line, '\n') == line + strlen(line) - 1); /* one line */
	CHECKF(tune_record_parse(line, &q, &e) == 0, "%s", e.msg);
	CHECK(!strcmp(q.error, r.error) && q.time < 0);
	/* unknown fields are skipped; missing required fields and junk are refused */
	CHECK(tune_record_parse("{\"key\":\"m=1,k=128,n=1;cpu=0\",\"extra\":[1,\"x\",null,true],"
	                        "\"config\":\"kernel i2s m=1 k=128 n=1\",\"time\":1e-6,\"error\":null,"
	                        "\"cpu\":\"c\",\"features\":\"f\"}", &q, &e) == 0);
	CHECK(tune_record_parse("{\"key\":\"x\",\"config\":\"y\",\"time\":1e-6}", &q, &e) < 0);
	CHECK(tune_record_parse("{\"key\":\"m=1,k=128,n=1\",\"config\":\"c\",\"time\":0,\"error\":null,"
	                        "\"cpu\":\"c\",\"features\":\"f\"}", &q, &e) < 0); /* no time, no error */
	line[strlen(line) / 2] = 0;
	CHECK(tune_record_parse(line, &q, &e) < 0);
	CHECK(tune_record_parse("", &q, &e) < 0);
	CHECK(tune_record_parse("{\"key\":\"a\"} trailing", &q, &e) < 0);
}

TEST(shape_keys)
{
	char k[96];
	int32_t m, kk, n;
	tune_shape_key(13824, 2560, 64, k, sizeof k);
	CHECK(!strcmp(k, "m=13824,k=2560,n=64"));
	CHECK(tune_parse_shape_key(k, &m, &kk, &n) == 0 && m == 13824 && kk == 2560 && n == 64);
	tune_key(1, 128, 1, "a", "b", k, sizeof k);
	CHECK(!strncmp(k, "m=1,k=128,n=1;cpu=", 18) && strlen(k) == 18 + 16);
	char s1[17], s2[17], s3[17];
	tune_cpu_signature("cpu", "avx2", s1);
	tune_cpu_signature("cpu", "avx2 avx512vnni", s2);
	tune_cpu_signature("cpu2", "avx2", s3);
	CHECK(strcmp(s1, s2) && strcmp(s1, s3));
	CHECK(tune_parse_shape_key("m=1,k=2", &m, &kk, &n) < 0);
	CHECK(tune_parse_shape_key("m=0,k=2,n=1", &m, &kk, &n) < 0);
	CHECK(tune_parse_shape_key("m=1,k=2,n=1x", &m, &kk, &n) < 0);
}

/* writes the records to a fresh log through tunedb_append */
/* a site whose CPU is this one under the given model name and feature string (no directory) */
static const struct tune_site *site_named(const char *cpu, const char *feat)
{
	static struct tune_site sites[4];
	static int next;
	struct tune_site *t = &sites[next++ % 4];
	tune_site_init(t, NULL, cpu_host(), (struct log_sink){0});
	snprintf(t->cpu_model, sizeof t->cpu_model, "%s", cpu);
	snprintf(t->features, sizeof t->features, "%s", feat);
	return t;
}

static void write_log(const char *path, const struct tune_record *r, int n)
{
	struct error e;
	remove(path);
	for (int i = 0; i < n; i++)
		CHECKF(tunedb_append(path, &r[i], &e) == 0, "%s", e.msg);
}

/* a record of today's default spec for the shape */
static struct tune_record def_rec(int32_t m, int32_t k, int32_t n, double t, const char *cpu, const char *feat)
{
	struct tune_record r = make(m, k, n, "", t, cpu, feat);
	struct kernel_spec d;
	CHECK(tune_default_spec(cpu_host(), m, k, n, &d) == 0);
	spec_format(&d, r.config, sizeof r.config);
	return r;
}

/* r as a duel record against today's default for its shape, which ran at dt there */
static struct tune_record as_duel(struct tune_record r, double dt)
{
	struct kernel_spec s, d;
	CHECK(spec_parse(r.config, &s, NULL) == 0 && tune_default_spec(cpu_host(), s.m, s.k, s.n, &d) == 0);
	spec_format(&d, r.vs, sizeof r.vs);
	r.vs_l2 = r.vs_dram = dt;
	return r;
}

TEST(best_per_key_and_other_cpus)
{
	const char *cpu = "Test CPU", *feat = "avx2 fma";
	struct tune_record r[7];
	r[0] = def_rec(256, 256, 1, 3e-6, cpu, feat);
	r[1] = as_duel(make(256, 256, 1, tail_b, 2e-6, cpu, feat), 3e-6);   /* won its duel */
	r[2] = def_rec(256, 256, 1, 1e-6, "Other CPU", feat);               /* faster, but another CPU */
	r[3] = as_duel(make(256, 256, 1, tail_a, 1e-7, cpu, "avx2"), 3e-6); /* other feature string */
	r[4] = as_duel(make(256, 256, 1, tail_a, 1e-8, cpu, feat), 3e-6);
	snprintf(r[4].error, sizeof r[4].error, "crashed: signal 11"); /* errors never win */
	r[5] = def_rec(512, 256, 64, 5e-5, cpu, feat);
	r[6] = make(768, 256, 1, tail_a, 1e-9, cpu, feat); /* its default never measured: no row */
	char path[512];
	snprintf(path, sizeof path, "%s/records.jsonl", test_tmpdir());
	write_log(path, r, 7);
	struct tune_record *back;
	struct error e;
	int n = tunedb_read(path, NULL, &back, &e);
	CHECK_EQ_INT(n, 7);
	struct tune_best *b;
	int nb = tunedb_derive_best(back, n, site_named(cpu, feat), &b);
	CHECK_EQ_INT(nb, 2);
	if (nb == 2) {
		CHECK(b[0].spec.n == 1 && b[0].spec.m == 256 && b[0].spec.bm == 128 && b[0].spec.rb == 2);
		CHECK(b[0].time == 2e-6 && b[0].default_time == 3e-6);
		CHECK(b[1].spec.n == 64 && b[1].spec.m == 512 && b[1].time == 5e-5 && b[1].default_time == 5e-5);
		/* best.tsv keeps this CPU's rows only, with the default each was judged against */
		char tsv[512];
		snprintf(tsv, sizeof tsv, "%s/best.tsv", test_tmpdir());
		CHECK(tunedb_write_best(tsv, b, nb, &e) == 0);
		struct tune_best *rb;
		CHECK_EQ_INT(tunedb_read_best(tsv, cpu, feat, &rb, &e), 2);
		struct kernel_spec d;
		tune_default_spec(cpu_host(), 256, 256, 1, &d);
		CHECK(rb[0].spec.bm == 128 && rb[0].time == 2e-6 && !strcmp(rb[0].key, b[0].key));
		CHECK(!memcmp(&rb[0].against, &d, sizeof d));
		free(rb);
		CHECK_EQ_INT(tunedb_read_best(tsv, "Other CPU", feat, &rb, &e), 0);
		free(rb);
	}
	free(b);
	/* seen from the other CPU, only its own record counts */
	nb = tunedb_derive_best(back, n, site_named("Other CPU", feat), &b);
	CHECK_EQ_INT(nb, 1);
	if (nb == 1)
		CHECK(b[0].time == 1e-6);
	free(b);
	free(back);
}

TEST(corrupt_and_truncated_lines_are_skipped)
{
	const char *cpu = "Test CPU", *feat = "avx2";
	struct tune_record r[2] = {make(256, 256, 1, tail_a, 3e-6, cpu, feat),
	                           make(256, 256, 1, tail_b, 2e-6, cpu, feat)};
	char path[512], line[4096];
	snprintf(path, sizeof path, "%s/corrupt.jsonl", test_tmpdir());
	write_log(path, r, 1);
	/* garbage, a half line without a newline (a writer that died), then a normal append */
	FILE *f = fopen(path, "a");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("not json at all\n{\"key\":\"m=1\",\n\n", f);
	tune_record_format(&r[1], line, sizeof line);
	line[strlen(line) / 2] = 0;
	fputs(line, f);
	fclose(f);
	struct error e;
	CHECK(tunedb_append(path, &r[1], &e) == 0); /* must start on a fresh line */
	struct tune_record *back;
	int n = tunedb_read(path, NULL, &back, &e);
	CHECK_EQ_INT(n, 2);
	if (n == 2)
		CHECK(!strcmp(back[0].config, r[0].config) && !strcmp(back[1].config, r[1].config));
	free(back);
	/* a missing log is simply empty */
	char missing[512];
	snprintf(missing, sizeof missing, "%s/nope/records.jsonl", test_tmpdir());
	CHECK_EQ_INT(tunedb_read(missing, NULL, &back, &e), 0);
	free(back);
}

TEST(default_time_is_found)
{
	struct kernel_spec d;
	CHECK(tune_default_spec(cpu_host(), 2560, 2560, 1, &d) == 0);
	CHECK(spec_legal(&d, NULL) == 0);
	char cfg[256];
	spec_format(&d, cfg, sizeof cfg);
	struct tune_record r[3];
	r[0] = make(2560, 2560, 1, tail_a, 4e-5, "c", "f");
	snprintf(r[0].config, sizeof r[0].config, "%s", cfg);
	r[1] = make(2560, 2560, 1, tail_b, 2e-5, "c", "f");
	r[2] = r[1]; /* the duel of the winner with the default */
	snprintf(r[2].vs, sizeof r[2].vs, "%s", cfg);
	r[2].vs_l2 = r[2].vs_dram = 3.9e-5;
	struct tune_best *b;
	CHECK_EQ_INT(tunedb_derive_best(r, 3, site_named("c", "f"), &b), 1);
	CHECK(b[0].time == 2e-5 && b[0].default_time > 3.89e-5 && b[0].default_time < 3.91e-5);
	free(b);
	/* without a duel, the candidate does not displace the default */
	CHECK_EQ_INT(tunedb_derive_best(r, 2, site_named("c", "f"), &b), 1);
	CHECK(b[0].time == 4e-5 && b[0].default_time == 4e-5 && !memcmp(&b[0].spec, &d, sizeof d));
	free(b);
}

/* a record of the 2560x2560 GEMV with the given config tail (NULL: the default spec), l2 and dram */
static struct tune_record rec_ld(const char *tail, double l2, double dram)
{
	struct tune_record r = make(2560, 2560, 1, tail ? tail : "", 1, "c", "f");
	if (!tail) {
		struct kernel_spec d;
		tune_default_spec(cpu_host(), 2560, 2560, 1, &d);
		spec_format(&d, r.config, sizeof r.config);
	}
	r.l2 = l2;
	r.dram = dram;
	r.time = tune_score(1, l2, dram);
	return r;
}

/* the best spec's config for records r[0..n) (the only key) */
static void best_config(const struct tune_record *r, int n, char *out, size_t len)
{
	struct tune_best *b;
	snprintf(out, len, "(none)");
	if (tunedb_derive_best(r, n, site_named("c", "f"), &b) == 1)
		spec_format(&b[0].spec, out, len);
	free(b);
}

/* a duel record: the candidate (tail) at (l2, dram) against the default at (dl2, ddram) */
static struct tune_record duel_rec(const char *tail, double l2, double dram, double dl2, double ddram)
{
	struct tune_record r = rec_ld(tail, l2, dram), d = rec_ld(NULL, dl2, ddram);
	snprintf(r.vs, sizeof r.vs, "%s", d.config);
	r.vs_l2 = dl2;
	r.vs_dram = ddram;
	return r;
}

TEST(default_kept_without_margin)
{
	CHECK(tune_score(1, 1.0, 2.0) > 1.79 && tune_score(1, 1.0, 2.0) < 1.81); /* GEMV: DRAM counts */
	CHECK(tune_score(64, 1.0, 2.0) > 1.19 && tune_score(64, 1.0, 2.0) < 1.21); /* GEMM: L2 counts */
	CHECK(tune_beats_default(1, 0.9, 0.9, 1.0, 1.0));
	CHECK(!tune_beats_default(1, 0.99, 0.99, 1.0, 1.0));           /* 1 % is noise */
	CHECK(!tune_beats_default(1, 1.03, 0.5, 1.0, 1.0));            /* slower in L2 */
	CHECK(!tune_beats_default(64, 0.5, 1.03, 1.0, 1.0));           /* slower from DRAM */
	CHECK(tune_beats_default(1, 1.005, 0.5, 1.0, 1.0));            /* 0.5 % slower in L2 is noise */
	char def[256], got[256];
	struct tune_record r[12];
	int n = 0;
	r[n++] = rec_ld(NULL, 1e-5, 1e-5);
	snprintf(def, sizeof def, "%s", r[0].config);
	/* much faster in its search record, but no duel: the default stays */
	r[n++] = rec_ld(tail_a, 0.5e-5, 0.5e-5);
	best_config(r, n, got, sizeof got);
	CHECKF(!strcmp(got, def), "got %s", got);
	/* a duel within the margin: the default stays */
	r[n++] = duel_rec(tail_a, 0.99e-5, 0.99e-5, 1e-5, 1e-5);
	best_config(r, n, got, sizeof got);
	CHECKF(!strcmp(got, def), "got %s", got);
	/* much faster from DRAM but slower in L2 in its duel: the default stays */
	r[n++] = duel_rec(tail_b, 1.05e-5, 0.5e-5, 1e-5, 1e-5);
	best_config(r, n, got, sizeof got);
	CHECKF(!strcmp(got, def), "got %s", got);
	/* won one duel, lost another (a later run): the default stays */
	const char *tail_c = "isa=avx2 bm=32 bk=256 rb=4 unroll=1 prefetch=4096 threads=1";
	r[n++] = duel_rec(tail_c, 0.5e-5, 0.5e-5, 1e-5, 1e-5);
	best_config(r, n, got, sizeof got);
	CHECKF(strstr(got, "prefetch=4096") != NULL, "got %s (won its duel)", got);
	r[n++] = duel_rec(tail_c, 1.0e-5, 1.0e-5, 1e-5, 1e-5);
	best_config(r, n, got, sizeof got);
	CHECKF(!strcmp(got, def), "got %s", got);
	/* the default was slow in its own search record (1e-5) but the duel is what counts: a 5 %
	 * win in the duel replaces it, even though the default ran at 0.9e-5 there */
	const char *tail_e = "isa=avx2 bm=32 bk=256 rb=4 unroll=2 prefetch=8192 threads=1";
	r[n++] = duel_rec(tail_e, 0.85e-5, 0.85e-5, 0.9e-5, 0.9e-5);
	best_config(r, n, got, sizeof got);
	CHECKF(strstr(got, "prefetch=8192") != NULL, "got %s", got);
	/* a duel against another spec than today's default does not count */
	struct tune_record stale = duel_rec(tail_a, 0.1e-5, 0.1e-5, 1e-5, 1e-5);
	snprintf(stale.vs, sizeof stale.vs, "kernel i2s m=2560 k=2560 n=1 %s", tail_b);
	r[n++] = stale;
	best_config(r, n, got, sizeof got);
	CHECKF(strstr(got, "prefetch=8192") != NULL, "got %s", got);
	/* records of an older measuring method are not compared, however fast */
	for (int i = 1; i < n; i++)
		snprintf(r[i].method, sizeof r[i].method, "%s", "");
	best_config(r, n, got, sizeof got);
	CHECKF(!strcmp(got, def), "got %s", got);
}

TEST(lookup_uses_best_tsv_of_this_cpu)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/cache", test_tmpdir());
	struct tune_site site;
	tune_site_init(&site, dir, cpu_host(), (struct log_sink){0});
	struct tune_table t;
	tune_table_init(&t, &site, (struct log_sink){0});
	struct kernel_spec s;
	CHECK(tune_table_lookup(&t, 256, 256, 1, &s) < 0); /* nothing tuned yet */
	const char *cpu = site.cpu_model, *feat = site.features;
	struct tune_record r[3] = {def_rec(256, 256, 1, 3e-6, cpu, feat),
	                           as_duel(make(256, 256, 1, tail_b, 2e-6, cpu, feat), 3e-6),
	                           make(256, 256, 1, tail_a, 1e-9, "Fake CPU", "neon")};
	char path[4400];
	snprintf(path, sizeof path, "%s/records.jsonl", site.dir);
	write_log(path, r, 3);
	struct error e;
	CHECKF(tunedb_rebuild(&site, NULL, &e) == 1, "%s", e.msg);
	tune_table_reset(&t);
	if (!isa_available(ISA_AVX2, cpu_host())) {
		test_skip("the tuned spec needs avx2");
		tune_table_free(&t);
		return;
	}
	CHECK(tune_table_lookup(&t, 256, 256, 1, &s) == 0);
	CHECK(s.bm == 128 && s.rb == 2 && s.prefetch == 512 && s.isa == ISA_AVX2);
	CHECK(tune_table_lookup(&t, 256, 256, 64, &s) < 0);
	CHECK(tune_table_lookup(&t, 512, 256, 1, &s) < 0);
	CHECK_EQ_INT(tune_table_count(&t), 1);
	/* a row judged against another default than today's (an older trit's) is not used */
	char tsv[4400], *text;
	size_t len;
	snprintf(tsv, sizeof tsv, "%s/best.tsv", site.dir);
	CHECK((text = read_file(tsv, &len, &e)) != NULL);
	if (text) {
		char *last_tab = strrchr(text, '\t');
		CHECK(last_tab != NULL);
		if (last_tab) {
			char buf[4096];
			snprintf(buf, sizeof buf, "%.*s\tkernel tl1 m=256 k=256 n=1 isa=avx2 bm=32 bk=128 rb=32 unroll=1 "
			         "prefetch=0 threads=1\n", (int)(last_tab - text), text);
			CHECK(write_file_atomic(tsv, buf, strlen(buf), &e) == 0);
			tune_table_reset(&t);
			CHECK(tune_table_lookup(&t, 256, 256, 1, &s) < 0);
		}
		free(text);
	}
	tune_table_free(&t);
}
