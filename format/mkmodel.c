/* mkmodel.c: the seeded random-model generator behind `trit mkmodel`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/half.h"
#include "base/rng.h"
#include "format/ggml_types.h"
#include "format/gguf.h"
#include "format/mkmodel.h"
#include "format/model_meta.h"
#include "format/vocab_gen.h"

uint32_t mkmodel_file_type(uint32_t type)
{
	switch (type) {
	case GGML_TYPE_F32: return 0;
	case GGML_TYPE_F16: return 1;
	case GGML_TYPE_BF16: return 32;
	case GGML_TYPE_TQ1_0: return 36;
	case GGML_TYPE_TQ2_0: return 37;
	case GGML_TYPE_I2_S: return 40;
	default: return 0;
	}
}

/* one tensor of the file */
struct tensor_plan {
	char name[64];
	enum { T_TERNARY, T_NORM, T_EMBD } kind;
	uint32_t type;
	int64_t ne0, ne1; /* ne1 = 1 for norms */
};

/* the tensors of a model, in file order; returns how many (plan has room for 3 + 11 * layers) */
static int plan_tensors(const struct mkmodel_opts *o, struct tensor_plan *plan)
{
	const struct model_desc *m = &o->model;
	int64_t embd = m->n_embd, ff = m->n_ff, kv = (int64_t)m->n_head_kv * model_head_dim(m);
	int n = 0;
#define ADD(kind_, type_, e0, e1, ...)                                                             \
	do {                                                                                       \
		struct tensor_plan *t = &plan[n++];                                                \
		snprintf(t->name, sizeof(t->name), __VA_ARGS__);                                   \
		t->kind = kind_;                                                                   \
		t->type = type_;                                                                   \
		t->ne0 = e0;                                                                       \
		t->ne1 = e1;                                                                       \
	} while (0)
	ADD(T_EMBD, o->embd_type, embd, m->n_vocab, "token_embd.weight");
	for (int l = 0; l < m->n_layer; l++) {
		ADD(T_NORM, GGML_TYPE_F32, embd, 1, "blk.%d.attn_norm.weight", l);
		ADD(T_TERNARY, o->type, embd, embd, "blk.%d.attn_q.weight", l);
		ADD(T_TERNARY, o->type, embd, kv, "blk.%d.attn_k.weight", l);
		ADD(T_TERNARY, o->type, embd, kv, "blk.%d.attn_v.weight", l);
		ADD(T_TERNARY, o->type, embd, embd, "blk.%d.attn_output.weight", l);
		if (m->sub_norms)
			ADD(T_NORM, GGML_TYPE_F32, embd, 1, "blk.%d.attn_sub_norm.weight", l);
		ADD(T_NORM, GGML_TYPE_F32, embd, 1, "blk.%d.ffn_norm.weight", l);
		ADD(T_TERNARY, o->type, embd, ff, "blk.%d.ffn_gate.weight", l);
		ADD(T_TERNARY, o->type, embd, ff, "blk.%d.ffn_up.weight", l);
		ADD(T_TERNARY, o->type, ff, embd, "blk.%d.ffn_down.weight", l);
		if (m->sub_norms)
			ADD(T_NORM, GGML_TYPE_F32, ff, 1, "blk.%d.ffn_sub_norm.weight", l);
	}
	ADD(T_NORM, GGML_TYPE_F32, embd, 1, "output_norm.weight");
	if (!m->tied)
		ADD(T_EMBD, o->embd_type, embd, m->n_vocab, "output.weight");
#undef ADD
	return n;
}

static uint64_t tensor_bytes(const struct tensor_plan *t, struct error *e)
{
	int64_t ne[2] = {t->ne0, t->ne1};
	uint64_t n;
	if (ggml_tensor_nbytes(t->type, ne, t->ne1 == 1 && t->kind == T_NORM ? 1 : 2, &n, e) < 0)
		return 0;
	return n;
}

int mkmodel_check(const struct mkmodel_opts *o, struct error *e)
{
	struct error ve;
	if (model_validate(&o->model, &ve))
		return errorf(e, "%s", ve.msg);
	if (!ggml_type_ternary(o->type))
		return errorf(e, "type %s cannot hold ternary weights (f16, f32, bf16, i2_s, tq2_0, tq1_0)",
		              ggml_type_name(o->type) ? ggml_type_name(o->type) : "?");
	static const uint32_t embd_types[] = {GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16, GGML_TYPE_Q8_0,
	                                      GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
	int embd_ok = 0;
	for (size_t i = 0; i < COUNTOF(embd_types); i++)
		embd_ok |= o->embd_type == embd_types[i];
	if (!embd_ok)
		return errorf(e, "embedding type %s is not one trit writes (f16, f32, bf16, q8_0, q4_k, q5_k, q6_k)",
		              ggml_type_name(o->embd_type) ? ggml_type_name(o->embd_type) : "?");
	/* one layer's tensors and the embeddings cover every distinct shape */
	struct mkmodel_opts one = *o;
	one.model.n_layer = 1;
	struct tensor_plan plan[16];
	int n = plan_tensors(&one, plan);
	for (int i = 0; i < n; i++) {
		struct error te;
		if (!tensor_bytes(&plan[i], &te))
			return errorf(e, "tensor '%s' [%lld, %lld] cannot be stored as %s: %s", plan[i].name,
			              (long long)plan[i].ne0, (long long)plan[i].ne1, ggml_type_name(plan[i].type), te.msg);
	}
	return 0;
}

/* an independent stream per tensor, so the bytes of one do not depend on the others */
static void tensor_rng(struct rng *r, uint64_t seed, int index)
{
	rng_seed(r, seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(index + 1)));
}

/* a scale near x that is exact in f16 and bf16 (8 significant bits, normal f16 range) */
static float round_scale(float x)
{
	int ex;
	float m = frexpf(x, &ex); /* x = m * 2^ex, 0.5 <= m < 1 */
	m = roundf(m * 256.0f) / 256.0f;
	float v = ldexpf(m, ex);
	return f16_to_f32(f32_to_f16(v)) == v ? v : ldexpf(1.0f, -6);
}

/* ternary codes with the distribution absmean ternarization gives a Gaussian matrix: P(0) =
 * 2*Phi(0.399) - 1 = 0.31 (here 40/128), +1 and -1 equally likely; eight weights per draw */
static void draw_ternary(struct rng *r, int8_t *t, int64_t n)
{
	int64_t i = 0;
	while (i < n) {
		uint64_t bits = rng_u64(r);
		for (int j = 0; j < 8 && i < n; j++, i++, bits >>= 8) {
			unsigned b = bits & 0xff;
			t[i] = (b >> 1) < 40 ? 0 : (b & 1) ? 1 : -1;
		}
	}
}

/* approximately N(0, sd): the centred sum of four uniform 16-bit values (Irwin-Hall) */
static void draw_gaussian(struct rng *r, float *x, int64_t n, float sd)
{
	const float scale = sd / 37837.23f; /* 65536 * sqrt(4/12) */
	for (int64_t i = 0; i < n; i++) {
		uint64_t b = rng_u64(r);
		int32_t s = (int32_t)(b & 0xffff) + (int32_t)(b >> 16 & 0xffff) + (int32_t)(b >> 32 & 0xffff) +
		            (int32_t)(b >> 48) - 131070;
		x[i] = (float)s * scale;
	}
}

/* fills out (tensor_bytes) with the tensor's seeded contents */
static void generate(const struct tensor_plan *t, uint64_t seed, int index, void *out)
{
	struct rng r;
	tensor_rng(&r, seed, index);
	if (t->kind == T_TERNARY) {
		int64_t n = t->ne0 * t->ne1;
		int8_t *codes = xmalloc((size_t)n);
		/* output variance ~ input variance: alpha^2 * 0.69 * K ~ 1, jittered per tensor */
		float alpha = round_scale((0.75f + 0.5f * rng_unit(&r)) / sqrtf(0.6875f * (float)t->ne0));
		draw_ternary(&r, codes, n);
		ternary_encode(t->type, codes, alpha, t->ne0, t->ne1, out);
		free(codes);
	} else if (t->kind == T_NORM) {
		float *x = out;
		for (int64_t i = 0; i < t->ne0; i++)
			x[i] = 1.0f + 0.05f * rng_normal(&r);
	} else {
		const int64_t chunk = 64;
		int64_t row_ne[2] = {t->ne0, 1};
		uint64_t row_bytes = 0;
		ggml_tensor_nbytes(t->type, row_ne, 2, &row_bytes, NULL);
		float *x = xmalloc((size_t)(chunk * t->ne0) * sizeof(float));
		for (int64_t row = 0; row < t->ne1; row += chunk) {
			int64_t rows = MIN(chunk, t->ne1 - row);
			draw_gaussian(&r, x, rows * t->ne0, 0.02f);
			dense_encode(t->type, x, t->ne0, rows, (uint8_t *)out + (uint64_t)row * row_bytes);
		}
		free(x);
	}
}

static const char *chat_template(const struct model_desc *m)
{
	if (!strcmp(m->tokenizer, "llama"))
		return "{% for message in messages %}{{ message['role'] | capitalize + ': ' + message['content'] | trim + '\\n' }}"
		       "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}";
	if (strcmp(m->arch, "llama")) /* BitNet b1.58 2B4T (HF tokenizer_config.json) */
		return "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
		       "message['role'] | capitalize + ': '+ message['content'] | trim + '<|eot_id|>' %}{{ content }}"
		       "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}";
	if (!strncmp(m->name, "falcon", 6))
		return "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + '\\n' }}"
		       "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";
	return "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + "
	       "message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}"
	       "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
}

/* writes the tokenizer.* keys: generated, or copied from another file (then m's vocab and
 * tokenizer follow that file) */
static int write_tokenizer(struct model_desc *m, const char *vocab_from, struct gguf_writer *w, struct error *e)
{
	if (vocab_from) {
		struct gguf src;
		if (gguf_open(&src, vocab_from, e))
			return -1;
		const struct gguf_kv *tokens = gguf_find_kv(&src, "tokenizer.ggml.tokens");
		char model[16] = "";
		if (!tokens || tokens->type != GGUF_ARRAY || tokens->arr_type != GGUF_STRING || tokens->count == 0 ||
		    tokens->count > INT32_MAX || gguf_get_str(&src, "tokenizer.ggml.model", model, sizeof(model)) ||
		    (strcmp(model, "gpt2") && strcmp(model, "llama"))) {
			gguf_close(&src);
			return errorf(e, "%s: no usable tokenizer (tokenizer.ggml.model gpt2/llama and tokenizer.ggml.tokens)",
			              vocab_from);
		}
		m->n_vocab = (int32_t)tokens->count;
		snprintf(m->tokenizer, sizeof(m->tokenizer), "%s", model);
		for (uint64_t i = 0; i < src.n_kv; i++)
			if (!strncmp(src.kv[i].key, "tokenizer.", 10))
				gguf_w_copy_kv(w, &src.kv[i]);
		gguf_close(&src);
		return 0;
	}
	struct vocab v;
	int gpt2 = !strcmp(m->tokenizer, "gpt2");
	if ((gpt2 ? vocab_gen_gpt2 : vocab_gen_spm)(&v, m->n_vocab, e))
		return -1;
	gguf_w_str(w, "tokenizer.ggml.model", m->tokenizer);
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v.tokens, (uint64_t)v.n);
	gguf_w_arr_f32(w, "tokenizer.ggml.scores", v.scores, (uint64_t)v.n);
	gguf_w_arr_i32(w, "tokenizer.ggml.token_type", v.types, (uint64_t)v.n);
	if (gpt2) {
		gguf_w_arr_str(w, "tokenizer.ggml.merges", (const char *const *)v.merges, (uint64_t)v.n_merges);
		gguf_w_str(w, "tokenizer.ggml.pre", "llama-bpe");
	}
	gguf_w_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v.bos);
	gguf_w_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v.eos);
	if (v.unk >= 0)
		gguf_w_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)v.unk);
	gguf_w_bool(w, "tokenizer.ggml.add_bos_token", 1);
	gguf_w_bool(w, "tokenizer.ggml.add_eos_token", 0);
	gguf_w_str(w, "tokenizer.chat_template", chat_template(m));
	vocab_free(&v);
	return 0;
}

int mkmodel_write(const struct mkmodel_opts *opts, const char *path, struct error *e)
{
	struct mkmodel_opts o = *opts;
	struct gguf_writer *w = gguf_writer_new();
	struct tensor_plan *plan = NULL;
	void **data = NULL;
	int n = 0, r = -1;
	if (mkmodel_check(&o, e))
		goto out;
	/* key order as in real files: general.*, ARCH.*, tokenizer.*, then the file type keys.
	 * --vocab-from decides the vocabulary size, so ARCH.vocab_size is rewritten (in place) after. */
	model_desc_to_gguf(&o.model, w);
	if (write_tokenizer(&o.model, o.vocab_from, w, e) || mkmodel_check(&o, e))
		goto out;
	model_desc_to_gguf(&o.model, w);
	gguf_w_u32(w, "general.file_type", mkmodel_file_type(o.type));
	gguf_w_u32(w, "general.quantization_version", 2);

	plan = xcalloc((size_t)o.model.n_layer * 11 + 3, sizeof(*plan));
	n = plan_tensors(&o, plan);
	data = xcalloc((size_t)n, sizeof(*data));
	for (int i = 0; i < n; i++) {
		uint64_t bytes = tensor_bytes(&plan[i], e);
		if (!bytes)
			goto out;
		data[i] = xmalloc(bytes);
		generate(&plan[i], o.seed, i, data[i]);
		int64_t ne[2] = {plan[i].ne0, plan[i].ne1};
		gguf_w_tensor(w, plan[i].name, plan[i].type, plan[i].kind == T_NORM ? 1 : 2, ne, data[i], bytes);
	}
	r = gguf_writer_write(w, path, e);
out:
	for (int i = 0; data && i < n; i++)
		free(data[i]);
	free(data);
	free(plan);
	gguf_writer_free(w);
	return r;
}
