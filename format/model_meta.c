/* model_meta.c: a model description from a GGUF file's metadata and tensor shapes, and back
 * (the exact key names that real bitnet.cpp and llama.cpp files use). */
#include <stdio.h>
#include <string.h>

#include "format/model_meta.h"

/* reads ARCH.suffix as u32 into *out; -1 with a message naming the key when absent or bad */
static int get_dim(const struct gguf *g, const char *arch, const char *suffix, int32_t *out, struct error *e)
{
	char key[128];
	uint32_t v;
	snprintf(key, sizeof(key), "%s.%s", arch, suffix);
	if (!gguf_find_kv(g, key))
		return errorf(e, "missing key '%s'", key);
	if (gguf_get_u32(g, key, &v) || v == 0 || v > INT32_MAX)
		return errorf(e, "key '%s': expected a positive integer", key);
	*out = (int32_t)v;
	return 0;
}

/* reads ARCH.suffix as f32; def when absent (def < 0: required) */
static int get_float(const struct gguf *g, const char *arch, const char *suffix, float def, float *out,
                     struct error *e)
{
	char key[128];
	snprintf(key, sizeof(key), "%s.%s", arch, suffix);
	if (!gguf_find_kv(g, key)) {
		if (def < 0)
			return errorf(e, "missing key '%s'", key);
		*out = def;
		return 0;
	}
	if (gguf_get_f32(g, key, out))
		return errorf(e, "key '%s': expected a number", key);
	return 0;
}

/* checks that tensor name exists with ne[0..n_dims) == want */
static int check_tensor(const struct gguf *g, const char *name, int n_dims, int64_t ne0, int64_t ne1,
                        struct error *e)
{
	const struct gguf_tensor *t = gguf_find_tensor(g, name);
	if (!t)
		return errorf(e, "missing tensor '%s'", name);
	int64_t want[4] = {ne0, n_dims > 1 ? ne1 : 1, 1, 1};
	int ok = 1;
	for (int d = 0; d < 4; d++)
		ok &= t->ne[d] == want[d];
	if (!ok) {
		if (n_dims == 1)
			return errorf(e, "tensor '%s': shape [%lld, %lld], expected [%lld] from the metadata", name,
			              (long long)t->ne[0], (long long)t->ne[1], (long long)ne0);
		return errorf(e, "tensor '%s': shape [%lld, %lld], expected [%lld, %lld] from the metadata", name,
		              (long long)t->ne[0], (long long)t->ne[1], (long long)ne0, (long long)ne1);
	}
	return 0;
}

/* every tensor the forward pass needs exists with the shape the metadata implies */
static int check_tensors(const struct gguf *g, const struct model_desc *m, struct error *e)
{
	int64_t embd = m->n_embd, ff = m->n_ff, kv = (int64_t)m->n_head_kv * model_head_dim(m);
	char name[96];
	if (check_tensor(g, "token_embd.weight", 2, embd, m->n_vocab, e) ||
	    check_tensor(g, "output_norm.weight", 1, embd, 1, e))
		return -1;
	if (!m->tied && check_tensor(g, "output.weight", 2, embd, m->n_vocab, e))
		return -1;
	struct {
		const char *name;
		int n_dims;
		int64_t ne0, ne1;
		int sub_norm;
	} per_layer[] = {
		{"attn_norm", 1, embd, 1, 0},     {"attn_q", 2, embd, embd, 0},   {"attn_k", 2, embd, kv, 0},
		{"attn_v", 2, embd, kv, 0},       {"attn_output", 2, embd, embd, 0}, {"attn_sub_norm", 1, embd, 1, 1},
		{"ffn_norm", 1, embd, 1, 0},      {"ffn_gate", 2, embd, ff, 0},   {"ffn_up", 2, embd, ff, 0},
		{"ffn_down", 2, ff, embd, 0},     {"ffn_sub_norm", 1, ff, 1, 1},
	};
	for (int l = 0; l < m->n_layer; l++)
		for (size_t i = 0; i < COUNTOF(per_layer); i++) {
			if (per_layer[i].sub_norm && !m->sub_norms)
				continue;
			snprintf(name, sizeof(name), "blk.%d.%s.weight", l, per_layer[i].name);
			if (check_tensor(g, name, per_layer[i].n_dims, per_layer[i].ne0, per_layer[i].ne1, e))
				return -1;
		}
	return 0;
}

int model_desc_from_gguf(const struct gguf *g, struct model_desc *m, struct error *e)
{
	char arch[64] = "";
	memset(m, 0, sizeof(*m));
	if (gguf_get_str(g, "general.architecture", arch, sizeof(arch)))
		return errorf(e, "missing key 'general.architecture'");
	if (model_set_arch(m, arch, e))
		return -1;
	if (gguf_get_str(g, "general.name", m->name, sizeof(m->name)) || !m->name[0])
		snprintf(m->name, sizeof(m->name), "%s", "unnamed");
	if (get_dim(g, arch, "embedding_length", &m->n_embd, e) || get_dim(g, arch, "block_count", &m->n_layer, e) ||
	    get_dim(g, arch, "feed_forward_length", &m->n_ff, e) ||
	    get_dim(g, arch, "attention.head_count", &m->n_head, e) || get_dim(g, arch, "context_length", &m->n_ctx, e))
		return -1;
	char key[128];
	snprintf(key, sizeof(key), "%s.attention.head_count_kv", arch);
	if (!gguf_find_kv(g, key))
		m->n_head_kv = m->n_head;
	else if (get_dim(g, arch, "attention.head_count_kv", &m->n_head_kv, e))
		return -1;
	if (get_float(g, arch, "rope.freq_base", 10000.0f, &m->rope_theta, e) ||
	    get_float(g, arch, "attention.layer_norm_rms_epsilon", -1, &m->rms_eps, e))
		return -1;

	char tok[32] = "";
	if (gguf_get_str(g, "tokenizer.ggml.model", tok, sizeof(tok)))
		return errorf(e, "missing key 'tokenizer.ggml.model'");
	if (strcmp(tok, "gpt2") && strcmp(tok, "llama"))
		return errorf(e, "key 'tokenizer.ggml.model': '%s' is not supported (gpt2 or llama)", tok);
	snprintf(m->tokenizer, sizeof(m->tokenizer), "%s", tok);
	const struct gguf_kv *tokens = gguf_find_kv(g, "tokenizer.ggml.tokens");
	if (!tokens || tokens->type != GGUF_ARRAY || tokens->arr_type != GGUF_STRING || tokens->count == 0)
		return errorf(e, "missing key 'tokenizer.ggml.tokens' (an array of strings)");
	if (tokens->count > INT32_MAX)
		return errorf(e, "key 'tokenizer.ggml.tokens': %llu tokens is too many",
		              (unsigned long long)tokens->count);
	m->n_vocab = (int32_t)tokens->count;
	m->tied = gguf_find_tensor(g, "output.weight") == NULL;

	struct error ve;
	if (model_validate(m, &ve))
		return errorf(e, "inconsistent hyper-parameters: %s", ve.msg);
	if (check_tensors(g, m, e))
		return -1;
	model_derive_linears(m);
	return 0;
}

void model_desc_to_gguf(const struct model_desc *m, struct gguf_writer *w)
{
	char key[128];
	const char *a = m->arch;
#define KEY(suffix) (snprintf(key, sizeof(key), "%s." suffix, a), key)
	gguf_w_str(w, "general.architecture", a);
	gguf_w_str(w, "general.name", m->name);
	gguf_w_u32(w, KEY("vocab_size"), (uint32_t)m->n_vocab);
	gguf_w_u32(w, KEY("context_length"), (uint32_t)m->n_ctx);
	gguf_w_u32(w, KEY("embedding_length"), (uint32_t)m->n_embd);
	gguf_w_u32(w, KEY("block_count"), (uint32_t)m->n_layer);
	gguf_w_u32(w, KEY("feed_forward_length"), (uint32_t)m->n_ff);
	gguf_w_u32(w, KEY("rope.dimension_count"), (uint32_t)model_head_dim(m));
	gguf_w_u32(w, KEY("attention.head_count"), (uint32_t)m->n_head);
	gguf_w_u32(w, KEY("attention.head_count_kv"), (uint32_t)m->n_head_kv);
	gguf_w_f32(w, KEY("attention.layer_norm_rms_epsilon"), m->rms_eps);
	gguf_w_f32(w, KEY("rope.freq_base"), m->rope_theta);
#undef KEY
}

int model_desc_load(const char *path, struct model_desc *m, struct error *e)
{
	if (ends_with(path, ".gguf")) {
		struct gguf g;
		if (gguf_open(&g, path, e) < 0)
			return -1;
		struct error me;
		int rc = model_desc_from_gguf(&g, m, &me);
		gguf_close(&g);
		return rc < 0 ? errorf(e, "%s: %s", path, me.msg) : 0;
	}
	struct ir_file f;
	if (ir_parse_file(path, &f, e) < 0)
		return -1;
	int rc = f.has_model ? 0 : errorf(e, "%s holds no model description", path);
	if (rc == 0)
		*m = f.model;
	ir_free(&f);
	return rc;
}
