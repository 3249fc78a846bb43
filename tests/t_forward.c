/* t_forward.c: the runtime's forward pass and sampler on tiny generated models: every storage type
 * of the same ternary weights gives bit-identical logits, as do all kernel kinds, thread counts and
 * batched prefill vs one token at a time (the same float operations run per token either way, so
 * exact equality is the right check); bad files are refused with the tensor's name. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "ir/ir.h"
#include "runtime/forward.h"
#include "format/ggml_types.h"
#include "format/gguf.h"
#include "runtime/model.h"
#include "format/model_meta.h"
#include "runtime/sampler.h"
#include "format/vocab_gen.h"
#include "tests/test.h"

struct tiny {
	const char *arch;
	uint32_t type;
	int layers, embd, ff, heads, kv_heads, vocab, ctx;
	uint64_t seed;
	int untied;
	const char *drop;  /* a tensor left out */
	const char *wrong; /* a tensor written with a wrong shape */
	const char *corrupt; /* a ternary tensor whose first byte is 0xff (code 3 in I2_S and TQ2_0) */
};

static void tiny_default(struct tiny *t, uint32_t type)
{
	*t = (struct tiny){"bitnet-b1.58", type, 2, 256, 512, 4, 2, 300, 64, 7, 0, NULL, NULL, NULL};
}

struct bufs {
	void *p[256];
	int n;
};

static void *keep(struct bufs *b, void *p)
{
	b->p[b->n++] = p;
	return p;
}

static void add_dense(struct gguf_writer *w, struct bufs *b, struct rng *r, const char *name, int64_t ne0, int64_t ne1,
                      uint32_t type, float mean, float sd)
{
	float *x = malloc((size_t)(ne0 * ne1) * sizeof(float));
	for (int64_t i = 0; i < ne0 * ne1; i++)
		x[i] = mean + sd * rng_normal(r);
	int64_t ne[2] = {ne0, ne1};
	uint64_t nb;
	struct error e;
	if (ggml_tensor_nbytes(type, ne, ne1 > 1 ? 2 : 1, &nb, &e) < 0)
		abort();
	void *out = keep(b, calloc(1, nb));
	dense_encode(type, x, ne0, ne1, out);
	free(x);
	gguf_w_tensor(w, name, type, ne1 > 1 ? 2 : 1, ne, out, nb);
}

static void add_ternary(struct gguf_writer *w, struct bufs *b, struct rng *r, const char *name, int64_t ne0, int64_t ne1,
                        uint32_t type, int corrupt)
{
	int8_t *t = malloc((size_t)(ne0 * ne1));
	for (int64_t i = 0; i < ne0 * ne1; i++)
		t[i] = (int8_t)((int)rng_below(r, 3) - 1);
	float alpha = 1.0f / 64.0f * (float)(1 + rng_below(r, 4));
	int64_t ne[2] = {ne0, ne1};
	uint64_t nb;
	struct error e;
	if (ggml_tensor_nbytes(type, ne, 2, &nb, &e) < 0)
		abort();
	void *out = keep(b, calloc(1, nb));
	ternary_encode(type, t, alpha, ne0, ne1, out);
	if (corrupt)
		*(uint8_t *)out = 0xff;
	free(t);
	gguf_w_tensor(w, name, type, 2, ne, out, nb);
}

/* writes a seeded random model; the weights depend only on the seed and shapes, not on the type */
static void write_tiny(const char *path, const struct tiny *t)
{
	struct model_desc d;
	memset(&d, 0, sizeof(d));
	struct error e;
	if (model_set_arch(&d, t->arch, &e) < 0)
		abort();
	snprintf(d.name, sizeof(d.name), "tiny");
	d.n_vocab = t->vocab;
	d.n_embd = t->embd;
	d.n_ff = t->ff;
	d.n_layer = t->layers;
	d.n_head = t->heads;
	d.n_head_kv = t->kv_heads;
	d.n_ctx = t->ctx;
	d.rope_theta = 10000.0f;
	d.rms_eps = 1e-5f;
	struct gguf_writer *w = gguf_writer_new();
	model_desc_to_gguf(&d, w);
	struct vocab v;
	if (vocab_gen_gpt2(&v, t->vocab, &e) < 0)
		abort();
	gguf_w_str(w, "tokenizer.ggml.model", "gpt2");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v.tokens, (uint64_t)v.n);
	gguf_w_arr_i32(w, "tokenizer.ggml.token_type", v.types, (uint64_t)v.n);
	gguf_w_arr_str(w, "tokenizer.ggml.merges", (const char *const *)v.merges, (uint64_t)v.n_merges);
	if (v.bos >= 0)
		gguf_w_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v.bos);
	if (v.eos >= 0)
		gguf_w_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v.eos);

	struct bufs b = {.n = 0};
	struct rng r;
	rng_seed(&r, t->seed);
	int64_t E = t->embd, F = t->ff, KV = (int64_t)t->kv_heads * (t->embd / t->heads);
	add_dense(w, &b, &r, "token_embd.weight", E, t->vocab, GGML_TYPE_F16, 0, 0.5f);
	add_dense(w, &b, &r, "output_norm.weight", E, 1, GGML_TYPE_F32, 1, 0.1f);
	if (t->untied)
		add_dense(w, &b, &r, "output.weight", E, t->vocab, GGML_TYPE_F16, 0, 0.5f);
	int sub = strcmp(t->arch, "llama") != 0;
	for (int l = 0; l < t->layers; l++) {
		struct {
			const char *n;
			int64_t ne0, ne1;
			int ternary;
		} ts[] = {
			{"attn_norm", E, 1, 0}, {"attn_q", E, E, 1},     {"attn_k", E, KV, 1},      {"attn_v", E, KV, 1},
			{"attn_output", E, E, 1}, {"attn_sub_norm", E, 1, 0}, {"ffn_norm", E, 1, 0}, {"ffn_gate", E, F, 1},
			{"ffn_up", E, F, 1},    {"ffn_down", F, E, 1},   {"ffn_sub_norm", F, 1, 0},
		};
		for (size_t i = 0; i < COUNTOF(ts); i++) {
			if (!sub && strstr(ts[i].n, "sub_norm"))
				continue;
			char name[96];
			snprintf(name, sizeof(name), "blk.%d.%s.weight", l, ts[i].n);
			if (t->drop && !strcmp(name, t->drop))
				continue;
			int64_t ne1 = ts[i].ne1;
			if (t->wrong && !strcmp(name, t->wrong))
				ne1 = ts[i].ternary ? ne1 / 2 : ne1;
			int64_t ne0 = ts[i].ne0;
			if (t->wrong && !strcmp(name, t->wrong) && !ts[i].ternary)
				ne0 /= 2;
			if (ts[i].ternary)
				add_ternary(w, &b, &r, name, ne0, ne1, t->type, t->corrupt && !strcmp(name, t->corrupt));
			else
				add_dense(w, &b, &r, name, ne0, 1, GGML_TYPE_F32, 1, 0.1f);
		}
	}
	if (gguf_writer_write(w, path, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	gguf_writer_free(w);
	for (int i = 0; i < b.n; i++)
		free(b.p[i]);
	vocab_free(&v);
}

static const char *tiny_path(const char *tag, const struct tiny *t)
{
	static char path[8][512];
	static int next;
	char *p = path[next++ % 8];
	snprintf(p, 512, "%s/%s.gguf", test_tmpdir(), tag);
	write_tiny(p, t);
	return p;
}

static const int32_t prompt[] = {1, 7, 42, 100, 255, 3, 42, 200, 17, 299};
#define NPROMPT ((int)COUNTOF(prompt))

/* the logits [NPROMPT][vocab] of the prompt (malloc'd), or NULL with the reason in *why */
static float *logits_of(const char *path, enum kernel_choice kc, int tile, int threads, int one_by_one, int kv_f32,
                        char *why)
{
	struct model m;
	struct model_options o;
	model_options_default(&o);
	o.kernel = kc;
	o.tile = tile;
	o.quiet = 1;
	struct error e;
	if (model_load(&m, path, &o, &e) < 0) {
		snprintf(why, 512, "%s", e.msg);
		return NULL;
	}
	struct forward f;
	if (forward_init(&f, &m, 0, threads, kv_f32, &e) < 0) {
		snprintf(why, 512, "%s", e.msg);
		model_free(&m);
		return NULL;
	}
	int64_t V = m.d.n_vocab;
	float *out = malloc((size_t)NPROMPT * (size_t)V * sizeof(float));
	int rc = 0;
	if (one_by_one)
		for (int i = 0; i < NPROMPT && rc == 0; i++)
			rc = forward_tokens(&f, prompt + i, 1, out + i * V, 1, &e);
	else
		rc = forward_tokens(&f, prompt, NPROMPT, out, 1, &e);
	forward_free(&f);
	model_free(&m);
	if (rc < 0) {
		snprintf(why, 512, "%s", e.msg);
		free(out);
		return NULL;
	}
	return out;
}

static int all_finite(const float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

static size_t first_diff(const float *a, const float *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(&a[i], &b[i], sizeof(float)))
			return i;
	return n;
}

#define NLOGITS ((size_t)NPROMPT * 300)

TEST(storage_types_give_identical_logits)
{
	static const uint32_t types[] = {GGML_TYPE_I2_S, GGML_TYPE_TQ2_0, GGML_TYPE_TQ1_0, GGML_TYPE_F16,
	                                 GGML_TYPE_BF16, GGML_TYPE_F32};
	char why[512];
	float *ref = NULL;
	for (size_t i = 0; i < COUNTOF(types); i++) {
		struct tiny t;
		tiny_default(&t, types[i]);
		float *l = logits_of(tiny_path(ggml_type_name(types[i]), &t), KC_AUTO, 4, 2, 0, 0, why);
		CHECKF(l, "%s: %s", ggml_type_name(types[i]), why);
		if (!l)
			break;
		CHECK(all_finite(l, NLOGITS));
		if (!ref) {
			ref = l;
			continue;
		}
		size_t d = first_diff(ref, l, NLOGITS);
		CHECKF(d == NLOGITS, "%s differs from I2_S at logit %zu: %g vs %g", ggml_type_name(types[i]), d,
		       (double)l[d], (double)ref[d]);
		free(l);
	}
	free(ref);
}

TEST(batched_prefill_equals_one_token_at_a_time)
{
	struct tiny t;
	tiny_default(&t, GGML_TYPE_I2_S);
	const char *p = tiny_path("batch", &t);
	char why[512];
	for (int kv_f32 = 0; kv_f32 < 2; kv_f32++) {
		float *a = logits_of(p, KC_AUTO, 4, 2, 0, kv_f32, why);
		float *b = logits_of(p, KC_AUTO, 64, 2, 0, kv_f32, why);
		float *c = logits_of(p, KC_AUTO, 4, 2, 1, kv_f32, why);
		CHECKF(a && b && c, "%s", why);
		if (a && b && c) {
			CHECKF(first_diff(a, b, NLOGITS) == NLOGITS, "tile 4 vs 64 differ (kv_f32 %d)", kv_f32);
			CHECKF(first_diff(a, c, NLOGITS) == NLOGITS, "batched vs one-by-one differ (kv_f32 %d)", kv_f32);
		}
		free(a);
		free(b);
		free(c);
	}
}

TEST(kernel_kinds_and_threads_give_identical_logits)
{
	struct tiny t;
	tiny_default(&t, GGML_TYPE_TQ2_0);
	const char *p = tiny_path("kinds", &t);
	static const enum kernel_choice kinds[] = {KC_REF, KC_I2S, KC_TL1, KC_TL2, KC_AUTO};
	static const char *names[] = {"ref", "i2s", "tl1", "tl2", "auto"};
	char why[512];
	float *ref = logits_of(p, KC_REF, 8, 1, 0, 0, why);
	CHECKF(ref, "%s", why);
	for (size_t i = 0; ref && i < COUNTOF(kinds); i++)
		for (int th = 1; th <= 3; th += 2) {
			float *l = logits_of(p, kinds[i], 8, th, 0, 0, why);
			CHECKF(l, "--kernel %s: %s", names[i], why);
			if (!l)
				continue;
			size_t d = first_diff(ref, l, NLOGITS);
			CHECKF(d == NLOGITS, "--kernel %s -t %d differs from ref -t 1 at %zu", names[i], th, d);
			free(l);
		}
	free(ref);
}

TEST(architectures_run)
{
	static const char *archs[] = {"bitnet-b1.58", "bitnet-25", "bitnet", "llama"};
	char why[512];
	for (size_t i = 0; i < COUNTOF(archs); i++)
		for (int untied = 0; untied < 2; untied++) {
			struct tiny t;
			tiny_default(&t, GGML_TYPE_I2_S);
			t.arch = archs[i];
			t.untied = untied;
			float *l = logits_of(tiny_path(archs[i], &t), KC_AUTO, 4, 2, 0, 0, why);
			CHECKF(l, "%s: %s", archs[i], why);
			if (l)
				CHECKF(all_finite(l, NLOGITS), "%s: non-finite logits", archs[i]);
			free(l);
		}
	/* the architectures really differ: bitnet (SiLU) vs bitnet-b1.58 (relu2) on the same weights */
	struct tiny a, b;
	tiny_default(&a, GGML_TYPE_I2_S);
	tiny_default(&b, GGML_TYPE_I2_S);
	b.arch = "bitnet";
	float *la = logits_of(tiny_path("a", &a), KC_AUTO, 4, 1, 0, 0, why);
	float *lb = logits_of(tiny_path("b", &b), KC_AUTO, 4, 1, 0, 0, why);
	CHECK(la && lb && first_diff(la, lb, NLOGITS) < NLOGITS);
	free(la);
	free(lb);
}

static void expect_load_error(const struct tiny *t, const char *tag, const char *needle)
{
	struct model m;
	struct model_options o;
	model_options_default(&o);
	o.quiet = 1;
	struct error e = {{0}};
	int rc = model_load(&m, tiny_path(tag, t), &o, &e);
	CHECKF(rc == -1, "%s: loaded a bad model", tag);
	CHECKF(strstr(e.msg, needle), "%s: error '%s' does not name '%s'", tag, e.msg, needle);
	if (rc == 0)
		model_free(&m);
}

TEST(bad_models_are_refused_by_name)
{
	struct tiny t;
	tiny_default(&t, GGML_TYPE_I2_S);
	t.drop = "blk.1.ffn_up.weight";
	expect_load_error(&t, "drop", "blk.1.ffn_up.weight");
	tiny_default(&t, GGML_TYPE_TQ2_0);
	t.wrong = "blk.0.attn_k.weight";
	expect_load_error(&t, "wrong", "blk.0.attn_k.weight");
	tiny_default(&t, GGML_TYPE_F16);
	t.wrong = "blk.1.ffn_sub_norm.weight";
	expect_load_error(&t, "wrongnorm", "blk.1.ffn_sub_norm.weight");
	const enum kernel_choice kinds[] = {KC_AUTO, KC_TL1, KC_REF}; /* repacked directly, decoded, reference */
	for (size_t i = 0; i < 2 * COUNTOF(kinds); i++) {
		tiny_default(&t, i < COUNTOF(kinds) ? GGML_TYPE_I2_S : GGML_TYPE_TQ2_0);
		t.corrupt = "blk.1.attn_v.weight";
		struct model bad;
		struct model_options bo;
		model_options_default(&bo);
		bo.quiet = 1;
		bo.kernel = kinds[i % COUNTOF(kinds)];
		struct error be = {{0}};
		int rc = model_load(&bad, tiny_path("corrupt", &t), &bo, &be);
		CHECKF(rc == -1 && strstr(be.msg, "blk.1.attn_v.weight") && strstr(be.msg, "code 3"),
		       "case %zu: code 3 in a ternary tensor gave '%s'", i, rc ? be.msg : "no error");
		if (rc == 0)
			model_free(&bad);
	}
	struct model m;
	struct model_options o;
	model_options_default(&o);
	struct error e;
	CHECK(model_load(&m, "/nonexistent/x.gguf", &o, &e) == -1);
	CHECK(strstr(e.msg, "/nonexistent/x.gguf") != NULL);
}

TEST(context_and_token_range_are_checked)
{
	struct tiny t;
	tiny_default(&t, GGML_TYPE_I2_S);
	t.ctx = 8;
	struct model m;
	struct model_options o;
	model_options_default(&o);
	o.quiet = 1;
	struct error e;
	CHECK(model_load(&m, tiny_path("ctx", &t), &o, &e) == 0);
	struct forward f;
	CHECK(forward_init(&f, &m, 0, 1, 0, &e) == 0);
	float *l = malloc(300 * sizeof(float));
	CHECK(forward_tokens(&f, prompt, NPROMPT, l, 0, &e) == FORWARD_FULL && strstr(e.msg, "context"));
	int32_t bad = 300;
	CHECK(forward_tokens(&f, &bad, 1, l, 0, &e) == -1 && strstr(e.msg, "out of range"));
	CHECK(forward_tokens(&f, prompt, 8, l, 0, &e) == 0);
	CHECK(forward_tokens(&f, prompt, 1, l, 0, &e) == FORWARD_FULL);
	free(l);
	forward_free(&f);
	model_free(&m);
}

/* three sequences decoded together (interleaved prompts, then one batched step per token, then a
 * truncated sequence re-fed) give the same logits, bit for bit, as each sequence run alone */
TEST(batched_sequences_equal_separate_runs)
{
	struct tiny t;
	tiny_default(&t, GGML_TYPE_I2_S);
	const char *path = tiny_path("seqs", &t);
	char why[512];
	float *alone = logits_of(path, KC_AUTO, 4, 2, 0, 0, why);
	CHECKF(alone != NULL, "%s", why);
	struct model m;
	struct model_options o;
	model_options_default(&o);
	o.tile = 4;
	o.quiet = 1;
	struct error e;
	CHECK(model_load(&m, path, &o, &e) == 0);
	struct forward f;
	CHECK(forward_init_seqs(&f, &m, 0, 3, 2, 0, &e) == 0);
	if (!alone || test_failed())
		return;
	int64_t V = m.d.n_vocab;
	/* sequence s gets prompt tokens [0, 3 + s) interleaved with the others in one batch */
	int32_t tok[16], seq[16];
	int8_t want[16];
	int n = 0, fed[3] = {0};
	for (int r = 0; r < 5; r++)
		for (int s = 0; s < 3; s++)
			if (fed[s] < 3 + s) {
				tok[n] = prompt[fed[s]++];
				seq[n] = s;
				want[n] = 1;
				n++;
			}
	float *out = malloc((size_t)NPROMPT * 3 * (size_t)V * sizeof(float));
	struct forward_batch b = {.n = n, .tokens = tok, .seq = seq, .logits = want};
	CHECK(forward_decode(&f, &b, out, &e) == 0);
	int seen[3] = {0};
	for (int i = 0; i < n; i++) {
		int s = seq[i], p = seen[s]++;
		CHECKF(!memcmp(out + i * V, alone + p * V, (size_t)V * sizeof(float)), "seq %d pos %d differs", s, p);
	}
	/* one decode step for all three sequences at once, each at its own position */
	for (int step = 0; step < 2; step++) {
		for (int s = 0; s < 3; s++) {
			tok[s] = prompt[fed[s]++];
			seq[s] = s;
		}
		struct forward_batch d = {.n = 3, .tokens = tok, .seq = seq, .logits = want};
		CHECK(forward_decode(&f, &d, out, &e) == 0);
		for (int s = 0; s < 3; s++)
			CHECKF(!memcmp(out + s * V, alone + (fed[s] - 1) * V, (size_t)V * sizeof(float)),
			       "step %d seq %d differs", step, s);
	}
	CHECK(f.seq_len[0] == 5 && f.seq_len[1] == 6 && f.seq_len[2] == 7);
	/* truncate sequence 2 to 2 tokens and feed the rest of the prompt: same as the plain run */
	forward_truncate(&f, 2, 2);
	CHECK(f.seq_len[2] == 2 && f.seq_len[1] == 6);
	struct forward_batch r = {.n = NPROMPT - 2, .tokens = prompt + 2, .seq = (int32_t[NPROMPT]){2, 2, 2, 2, 2, 2, 2, 2}};
	CHECK(forward_decode(&f, &r, out, &e) == 0);
	CHECK(!memcmp(out, alone + (NPROMPT - 1) * V, (size_t)V * sizeof(float)));
	/* bad sequences and positions are refused before any work */
	int32_t bad_seq = 3, bad_pos = 0;
	struct forward_batch bs = {.n = 1, .tokens = prompt, .seq = &bad_seq};
	CHECK(forward_decode(&f, &bs, out, &e) == -1 && strstr(e.msg, "sequence 3"));
	struct forward_batch bp = {.n = 1, .tokens = prompt, .seq = (int32_t[]){1}, .pos = &bad_pos};
	CHECK(forward_decode(&f, &bp, out, &e) == -1 && strstr(e.msg, "position"));
	CHECK(f.seq_len[1] == 6);
	free(out);
	free(alone);
	forward_free(&f);
	model_free(&m);
}

/* ---- sampler ---- */

static struct sampler *greedy_free_sampler(int n, float top_p, float min_p, int top_k, float pen)
{
	struct sampler_params p;
	sampler_params_default(&p);
	p.top_p = top_p;
	p.min_p = min_p;
	p.top_k = top_k;
	p.repeat_penalty = pen;
	p.seed = 5;
	return sampler_new(&p, n);
}

TEST(sampler_top_k_keeps_the_best_sorted)
{
	float l[8] = {0.1f, 3, -1, 2, 2, 5, 0, 4};
	struct sampler *s = greedy_free_sampler(8, 1, 0, 3, 1);
	sampler_load(s, l);
	sampler_top_k(s, 3);
	CHECK_EQ_INT(s->n_cand, 3);
	CHECK_EQ_INT(s->cand[0].id, 5);
	CHECK_EQ_INT(s->cand[1].id, 7);
	CHECK_EQ_INT(s->cand[2].id, 1);
	sampler_load(s, l);
	sampler_top_k(s, 0);
	CHECK_EQ_INT(s->n_cand, 8);
	CHECK_EQ_INT(s->cand[3].id, 3); /* ties keep the lower id first */
	CHECK_EQ_INT(s->cand[4].id, 4);
	sampler_free(s);
}

TEST(sampler_top_p_and_min_p)
{
	/* probabilities 0.5, 0.25, 0.125, 0.125 */
	float l[4] = {logf(0.125f), logf(0.5f), logf(0.25f), logf(0.125f)};
	struct sampler *s = greedy_free_sampler(4, 1, 0, 0, 1);
	sampler_load(s, l);
	sampler_top_k(s, 0);
	sampler_top_p(s, 0.7f);
	CHECK_EQ_INT(s->n_cand, 2);
	sampler_load(s, l);
	sampler_top_k(s, 0);
	sampler_top_p(s, 0.75f); /* reaching p exactly is enough */
	CHECK_EQ_INT(s->n_cand, 2);
	sampler_load(s, l);
	sampler_top_k(s, 0);
	sampler_min_p(s, 0.3f); /* keeps p >= 0.3 * 0.5 */
	CHECK_EQ_INT(s->n_cand, 2);
	sampler_load(s, l);
	sampler_top_k(s, 0);
	sampler_min_p(s, 0.25f);
	CHECK_EQ_INT(s->n_cand, 4);
	sampler_free(s);
}

TEST(sampler_penalty_and_greedy)
{
	float l[4] = {2.0f, 1.9f, -1.0f, 0.5f};
	struct sampler_params p;
	sampler_params_default(&p);
	p.temp = 0;
	p.repeat_penalty = 1.1f;
	p.repeat_last_n = 2;
	struct sampler *s = sampler_new(&p, 4);
	CHECK_EQ_INT(sampler_sample(s, l), 0);
	sampler_accept(s, 0);
	CHECK_EQ_INT(sampler_sample(s, l), 1); /* 2.0/1.1 < 1.9 */
	sampler_load(s, l);
	sampler_accept(s, 2);
	sampler_load(s, l);
	sampler_penalize(s);
	CHECK(s->cand[2].logit == -1.0f * 1.1f); /* negative logits are multiplied */
	sampler_accept(s, 3);                    /* the window of 2 forgets token 0 */
	sampler_load(s, l);
	sampler_penalize(s);
	CHECK(s->cand[0].logit == 2.0f);
	CHECK(s->cand[3].logit == 0.5f / 1.1f);
	sampler_free(s);
}

TEST(sampler_same_seed_same_tokens)
{
	float l[50];
	for (int i = 0; i < 50; i++)
		l[i] = (float)(i % 7) * 0.3f;
	struct sampler_params p;
	sampler_params_default(&p);
	p.top_k = 0;
	p.min_p = 0;
	p.top_p = 1;
	p.seed = 1234;
	struct sampler *a = sampler_new(&p, 50), *b = sampler_new(&p, 50);
	int same = 1, distinct = 0, first = -1;
	for (int i = 0; i < 200; i++) {
		int32_t x = sampler_sample(a, l), y = sampler_sample(b, l);
		same &= x == y;
		if (first < 0)
			first = x;
		distinct |= x != first;
		CHECK(x >= 0 && x < 50);
	}
	CHECK(same);
	CHECK(distinct);
	sampler_free(a);
	sampler_free(b);
}
