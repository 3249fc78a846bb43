/* t_ir.c: the IR parser, printer and validator: round trips of every model file and of random
 * specs, every error class with its exact line:column, and a corrupted-input loop. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "ir/ir.h"
#include "tests/test.h"

static const char *srcdir(void)
{
	const char *s = getenv("TRIT_SRCDIR");
	return s ? s : ".";
}

/* prints f into a malloc'd string */
static char *print_to_string(const struct ir_file *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ir_print(m, f);
	fclose(m);
	return buf;
}

static int same_model(const struct model_desc *a, const struct model_desc *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->arch, b->arch) && !strcmp(a->tokenizer, b->tokenizer) &&
	       a->n_vocab == b->n_vocab && a->n_embd == b->n_embd && a->n_ff == b->n_ff && a->n_layer == b->n_layer &&
	       a->n_head == b->n_head && a->n_head_kv == b->n_head_kv && a->n_ctx == b->n_ctx &&
	       a->rope_theta == b->rope_theta && a->rms_eps == b->rms_eps && a->tied == b->tied &&
	       a->sub_norms == b->sub_norms && !strcmp(a->act, b->act) && a->n_linear == b->n_linear &&
	       !memcmp(a->linear, b->linear, sizeof(a->linear[0]) * (size_t)a->n_linear);
}

/* parse(print(f)) == f and print is a fixed point */
static void check_round_trip(const struct ir_file *f, const char *what)
{
	char *text = print_to_string(f);
	struct ir_file g;
	struct error e;
	if (ir_parse(text, what, &g, &e)) {
		test_fail(__FILE__, __LINE__, "%s: reparse failed: %s\n%s", what, e.msg, text);
		free(text);
		return;
	}
	CHECKF(g.has_model == f->has_model && (!f->has_model || same_model(&f->model, &g.model)), "%s: model differs",
	       what);
	CHECKF(g.nspecs == f->nspecs && (!f->nspecs || !memcmp(g.specs, f->specs, sizeof(*f->specs) * (size_t)f->nspecs)),
	       "%s: specs differ", what);
	char *again = print_to_string(&g);
	CHECKF(!strcmp(text, again), "%s: printing is not stable", what);
	free(again);
	free(text);
	ir_free(&g);
}

TEST(model_files_round_trip)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/models", srcdir());
	DIR *d = opendir(dir);
	CHECKF(d, "cannot open %s", dir);
	if (!d)
		return;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!ends_with(de->d_name, ".trit"))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct ir_file f;
		struct error e;
		if (ir_parse_file(path, &f, &e)) {
			test_fail(__FILE__, __LINE__, "%s", e.msg);
			continue;
		}
		n++;
		CHECKF(f.has_model && f.model.n_linear == 9, "%s: no model or linears", path);
		CHECKF(model_validate(&f.model, &e) == 0, "%s: %s", path, e.msg);
		check_round_trip(&f, path);
		ir_free(&f);
	}
	closedir(d);
	CHECKF(n >= 11, "only %d model files", n);
}

TEST(tiny_values_and_derived_linears)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/models/tiny.trit", srcdir());
	struct ir_file f;
	struct error e;
	CHECKF(ir_parse_file(path, &f, &e) == 0, "%s", e.msg);
	const struct model_desc *m = &f.model;
	CHECK(!strcmp(m->arch, "bitnet-b1.58") && !strcmp(m->act, "relu2") && m->tied && m->sub_norms);
	CHECK_EQ_INT(m->n_embd, 256);
	CHECK_EQ_INT(m->n_head_kv, 2);
	CHECK_EQ_INT(model_head_dim(m), 64);
	CHECK(m->rope_theta == 500000.0f && m->rms_eps == 1e-5f);
	struct {
		const char *name;
		int m, k;
	} want[] = {{"attn_q", 256, 256},   {"attn_k", 128, 256},  {"attn_v", 128, 256},
	            {"attn_qkv", 512, 256}, {"attn_output", 256, 256}, {"ffn_gate", 768, 256},
	            {"ffn_up", 768, 256},   {"ffn_gate_up", 1536, 256}, {"ffn_down", 256, 768}};
	for (size_t i = 0; i < COUNTOF(want); i++) {
		const struct linear_shape *l = model_find_linear(m, want[i].name);
		CHECKF(l && l->m == want[i].m && l->k == want[i].k, "%s", want[i].name);
	}
	ir_free(&f);
}

TEST(big_model_shapes)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/models/bitnet-b1.58-2b-4t.trit", srcdir());
	struct ir_file f;
	struct error e;
	CHECKF(ir_parse_file(path, &f, &e) == 0, "%s", e.msg);
	const struct linear_shape *l = model_find_linear(&f.model, "ffn_gate_up");
	CHECK(l && l->m == 13824 && l->k == 2560);
	l = model_find_linear(&f.model, "attn_qkv");
	CHECK(l && l->m == 3840 && l->k == 2560);
	ir_free(&f);
}

static void random_spec(struct rng *r, struct kernel_spec *s)
{
	s->kind = (enum kernel_kind)rng_below(r, KIND_COUNT);
	s->isa = (enum isa)rng_below(r, ISA_COUNT);
	int32_t *f[] = {&s->m, &s->k, &s->n, &s->bm, &s->bk, &s->rb, &s->unroll, &s->threads};
	for (size_t i = 0; i < COUNTOF(f); i++)
		*f[i] = rng_below(r, 4) ? 1 + (int32_t)rng_below(r, 100000) : INT32_MAX - (int32_t)rng_below(r, 3);
	s->prefetch = (int32_t)rng_below(r, 4096);
}

TEST(random_specs_round_trip)
{
	struct rng r;
	rng_seed(&r, 42);
	struct ir_file f = {0};
	f.nspecs = 200;
	f.specs = calloc((size_t)f.nspecs, sizeof(*f.specs));
	for (int i = 0; i < f.nspecs; i++) {
		random_spec(&r, &f.specs[i]);
		char buf[256];
		spec_format(&f.specs[i], buf, sizeof(buf));
		struct kernel_spec back;
		struct error e;
		CHECKF(spec_parse(buf, &back, &e) == 0, "%s: %s", buf, e.msg);
		CHECKF(!memcmp(&back, &f.specs[i], sizeof(back)), "%s: differs", buf);
		CHECK(spec_validate(&back, &e) == 0);
		/* without the leading keyword too */
		CHECK(spec_parse(buf + strlen("kernel "), &back, &e) == 0 && !memcmp(&back, &f.specs[i], sizeof(back)));
	}
	check_round_trip(&f, "random specs");
	free(f.specs);
}

TEST(spec_canonical_form)
{
	struct kernel_spec s = {KIND_I2S, ISA_AVX2, 2560, 2560, 1, 32, 256, 4, 2, 256, 8};
	char buf[256];
	spec_format(&s, buf, sizeof(buf));
	CHECKF(!strcmp(buf, "kernel i2s m=2560 k=2560 n=1 isa=avx2 bm=32 bk=256 rb=4 unroll=2 prefetch=256 threads=8"),
	       "got %s", buf);
	/* fields in another order parse to the same spec */
	struct kernel_spec t;
	struct error e;
	CHECKF(spec_parse("kernel i2s threads=8 prefetch=256 unroll=2 rb=4 bk=256 bm=32 isa=avx2 n=1 k=2560 m=2560  # c",
	                  &t, &e) == 0,
	       "%s", e.msg);
	CHECK(!memcmp(&s, &t, sizeof(s)));
	s.m = 0;
	CHECK(spec_validate(&s, &e) == -1 && strstr(e.msg, "m >= 1"));
}

static const char *valid_model =
	"# a comment\n"
	"model t1\n"
	"arch bitnet-b1.58\n"
	"tokenizer gpt2\n"
	"vocab 512\n"
	"embd 256   # trailing comment\n"
	"ffn 768\n"
	"layers 2\n"
	"heads 4\n"
	"kv_heads 2\n"
	"ctx 256\n"
	"rope_theta 500000\n"
	"rms_eps 1e-5\n"
	"tied true\n"
	"sub_norms true\n"
	"act relu2\n"
	"kernel tl1 m=256 k=256 n=1 isa=scalar bm=32 bk=64 rb=2 unroll=1 prefetch=0 threads=1\n";

/* replaces the first occurrence of `from` in the valid model by `to` and expects error `want` */
static void expect_error(const char *text, const char *want)
{
	struct ir_file f;
	struct error e = {""};
	if (ir_parse(text, "x.trit", &f, &e) == 0) {
		test_fail(__FILE__, __LINE__, "parsed, expected error '%s'", want);
		ir_free(&f);
		return;
	}
	CHECKF(!strcmp(e.msg, want), "got  '%s'\nwant '%s'", e.msg, want);
}

static void expect_error_sub(const char *from, const char *to, const char *want)
{
	const char *at = strstr(valid_model, from);
	if (!at) {
		test_fail(__FILE__, __LINE__, "'%s' not in the model", from);
		return;
	}
	char buf[4096];
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - valid_model), valid_model, to, at + strlen(from));
	expect_error(buf, want);
}

TEST(valid_model_parses)
{
	struct ir_file f;
	struct error e;
	CHECKF(ir_parse(valid_model, "x.trit", &f, &e) == 0, "%s", e.msg);
	CHECK_EQ_INT(f.nspecs, 1);
	CHECK(f.specs[0].kind == KIND_TL1 && f.specs[0].bk == 64);
	check_round_trip(&f, "valid");
	ir_free(&f);
}

TEST(error_messages)
{
	expect_error_sub("embd 256", "embed 256",
	                 "x.trit:6:1: expected a model key (arch, tokenizer, vocab, embd, ffn, layers, heads, kv_heads, "
	                 "ctx, rope_theta, rms_eps, tied, sub_norms, act), 'linear' or 'kernel', got 'embed'");
	expect_error_sub("ffn 768", "ffn 76x8", "x.trit:7:5: expected an integer for ffn, got '76x8'");
	expect_error_sub("ffn 768", "ffn -768", "x.trit:7:5: expected an integer for ffn, got '-768'");
	expect_error_sub("ffn 768", "ffn", "x.trit:7:4: expected a value for ffn, got end of line");
	expect_error_sub("layers 2", "layers 0", "x.trit:8:8: expected layers between 1 and 100000, got '0'");
	expect_error_sub("vocab 512", "vocab 99999999999",
	                 "x.trit:5:7: expected vocab between 1 and 2147483647, got '99999999999'");
	expect_error_sub("ctx 256", "ctx 256\nctx 512", "x.trit:12:1: expected each key once, got a second 'ctx' (first on line 11)");
	expect_error_sub("heads 4\n", "heads 4 4\n", "x.trit:9:9: expected end of line, got '4'");
	expect_error_sub("model t1\n", "", "x.trit:2:1: expected a 'model NAME' line before the model's keys, got 'arch'");
	expect_error_sub("# a comment\nmodel t1\n", "arch llama\nmodel t1\n",
	                 "x.trit:1:1: expected a 'model NAME' line before the model's keys, got 'arch'");
	expect_error_sub("model t1", "model t1\nmodel t2", "x.trit:3:1: expected one model per file, got a second 'model' (first on line 2)");
	expect_error_sub("model t1", "model t/1",
	                 "x.trit:2:7: expected a model name (letters, digits, '.', '_', '-', '+'; at most 63 characters), got 't/1'");
	expect_error_sub("arch bitnet-b1.58", "arch gpt",
	                 "x.trit:3:6: expected an arch (bitnet-b1.58, bitnet-25, bitnet-1.58, bitnet, llama), got 'gpt'");
	expect_error_sub("act relu2", "act gelu", "x.trit:16:5: expected an act (relu2, silu), got 'gelu'");
	expect_error_sub("tied true", "tied yes", "x.trit:14:6: expected true or false for tied, got 'yes'");
	expect_error_sub("rms_eps 1e-5", "rms_eps 1e-5x", "x.trit:13:9: expected a number for rms_eps, got '1e-5x'");
	expect_error_sub("rms_eps 1e-5", "rms_eps 2", "x.trit:13:9: expected rms_eps between 0 and 1 (exclusive), got '2'");
	expect_error_sub("rope_theta 500000", "rope_theta inf", "x.trit:12:12: expected a number for rope_theta, got 'inf'");
	expect_error_sub("rope_theta 500000", "rope_theta -1", "x.trit:12:12: expected rope_theta > 0, got '-1'");
	expect_error_sub("act relu2\n", "", "x.trit:2:1: expected key 'act' in model 't1', got none");
	expect_error_sub("heads 4", "heads 3",
	                 "x.trit:2:1: expected heads to divide embd, got embd 256 and heads 3");
	expect_error_sub("kv_heads 2", "kv_heads 3",
	                 "x.trit:2:1: expected kv_heads to divide heads, got heads 4 and kv_heads 3");
	/* non-printable bytes are escaped */
	expect_error_sub("embd 256", "embd 2\x01" "56", "x.trit:6:6: expected an integer for embd, got '2\\x0156'");
	/* kernel lines */
	expect_error_sub("kernel tl1", "kernel tl3", "x.trit:17:8: expected a kernel kind (i2s, tl1, tl2), got 'tl3'");
	expect_error_sub("isa=scalar", "isa=sse2",
	                 "x.trit:17:32: expected an isa (scalar, avx2, avxvnni, avx512vnni, amx, neon, dotprod, ptx), got 'sse2'");
	expect_error_sub("bk=64", "bk=", "x.trit:17:48: expected a value after 'bk=', got nothing");
	expect_error_sub("bk=64", "bq=64",
	                 "x.trit:17:45: expected a field name (m, k, n, isa, bm, bk, rb, unroll, prefetch, threads), got 'bq'");
	expect_error_sub("bk=64", "bk=64 bk=32", "x.trit:17:51: expected each field once, got a second 'bk' (first at column 45)");
	expect_error_sub("bk=64", "64",
	                 "x.trit:17:45: expected NAME=VALUE (m, k, n, isa, bm, bk, rb, unroll, prefetch, threads), got '64'");
	expect_error_sub(" threads=1", "", "x.trit:17:75: expected field 'threads=', got end of line");
	expect_error_sub("prefetch=0", "prefetch=-1", "x.trit:17:74: expected an integer for prefetch, got '-1'");
	expect_error_sub("n=1", "n=0", "x.trit:17:26: expected n between 1 and 2147483647, got '0'");
	/* linear lines */
	expect_error_sub("act relu2\n", "act relu2\nlinear attn_x m=1 k=1\n",
	                 "x.trit:17:8: expected a linear name (attn_q, attn_k, attn_v, attn_qkv, attn_output, ffn_gate, "
	                 "ffn_up, ffn_gate_up, ffn_down), got 'attn_x'");
	expect_error_sub("act relu2\n", "act relu2\nlinear attn_q m=256 k=255\n",
	                 "x.trit:17:1: expected linear attn_q m=256 k=256 (from the model's dimensions), got m=256 k=255");
	expect_error_sub("act relu2\n", "act relu2\nlinear attn_q m=256 k=256\n",
	                 "x.trit:2:1: expected 'linear attn_k' in model 't1' (all linears or none), got none");
	expect_error_sub("act relu2\n", "act relu2\nlinear attn_q m=256 k=256\nlinear attn_q m=256 k=256\n",
	                 "x.trit:18:8: expected each linear once, got a second 'attn_q' (first on line 17)");
	/* whole-file errors */
	expect_error("", "x.trit:1:1: expected a 'model' or 'kernel' statement, got end of file");
	expect_error("# only\n# comments\n", "x.trit:3:1: expected a 'model' or 'kernel' statement, got end of file");
	expect_error("hello", "x.trit:1:1: expected a statement ('model', 'kernel', 'linear' or a model key), got 'hello'");
	struct kernel_spec s;
	struct error e;
	CHECK(spec_parse("i2s m=1", &s, &e) == -1);
	CHECKF(!strcmp(e.msg, "spec:1:8: expected field 'k=', got end of line"), "%s", e.msg);
}

TEST(file_errors)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/nul.trit", test_tmpdir());
	FILE *f = fopen(path, "wb");
	fwrite("model a\nar\0ch", 1, 14, f);
	fclose(f);
	struct ir_file out;
	struct error e;
	CHECK(ir_parse_file(path, &out, &e) == -1);
	char want[600];
	snprintf(want, sizeof(want), "%s:2:3: expected text, got a NUL byte", path);
	CHECKF(!strcmp(e.msg, want), "%s", e.msg);
	snprintf(path, sizeof(path), "%s/missing.trit", test_tmpdir());
	CHECK(ir_parse_file(path, &out, &e) == -1 && strstr(e.msg, "missing.trit"));
}

/* truncating or mutating a valid file anywhere never crashes; whatever parses re-prints and
 * re-parses to the same thing */
TEST(corrupted_inputs)
{
	size_t n = strlen(valid_model);
	char *buf = malloc(n + 1);
	struct rng r;
	rng_seed(&r, 7);
	static const char pool[] = " \t\n#=-.0123456789abcdefkmnrtxz\x01\xff";
	for (size_t cut = 0; cut <= n; cut++) {
		for (int variant = 0; variant < 4; variant++) {
			memcpy(buf, valid_model, n + 1);
			if (variant == 0)
				buf[cut] = 0;
			else if (cut < n)
				buf[cut] = variant == 1 ? pool[rng_below(&r, sizeof(pool) - 1)] : (char)(1 + rng_below(&r, 255));
			struct ir_file f;
			struct error e;
			if (ir_parse(buf, "fuzz", &f, &e) == 0) {
				check_round_trip(&f, "fuzz");
				CHECK(!f.has_model || model_validate(&f.model, &e) == 0);
				ir_free(&f);
			} else {
				CHECKF(!strncmp(e.msg, "fuzz:", 5) && strstr(e.msg, "expected"), "bad message '%s'", e.msg);
			}
			if (test_failed())
				goto out;
		}
	}
out:
	free(buf);
}
