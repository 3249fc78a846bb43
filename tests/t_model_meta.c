/* t_model_meta.c: GGUF metadata <-> model description with the key names of real files, the
 * generator's output read back, and errors that name the missing key or mis-shaped tensor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "format/ggml_types.h"
#include "format/gguf.h"
#include "format/mkmodel.h"
#include "format/model_meta.h"
#include "format/vocab_gen.h"
#include "tests/test.h"

static const char *srcdir(void)
{
	const char *s = getenv("TRIT_SRCDIR");
	return s ? s : ".";
}

static int load_desc(const char *name, struct model_desc *m)
{
	char path[512];
	struct ir_file f;
	struct error e;
	snprintf(path, sizeof(path), "%s/models/%s.trit", srcdir(), name);
	if (ir_parse_file(path, &f, &e)) {
		test_fail(__FILE__, __LINE__, "%s", e.msg);
		return -1;
	}
	*m = f.model;
	ir_free(&f);
	return 0;
}

/* writes a small model of description `name` (dims shrunk) to tmp/out; returns the path */
static const char *make(const char *name, uint32_t type, const char *out, struct model_desc *m)
{
	static char path[600];
	struct mkmodel_opts o = {.type = type, .embd_type = GGML_TYPE_F16, .seed = 9};
	if (load_desc(name, &o.model))
		return NULL;
	o.model.n_layer = 2;
	o.model.n_embd = 256;
	o.model.n_ff = 512;
	o.model.n_head = 4;
	o.model.n_head_kv = 2;
	o.model.n_vocab = 400;
	o.model.n_ctx = 128;
	model_derive_linears(&o.model);
	*m = o.model;
	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), out);
	struct error e;
	if (mkmodel_write(&o, path, &e)) {
		test_fail(__FILE__, __LINE__, "%s", e.msg);
		return NULL;
	}
	return path;
}

static void check_same(const struct model_desc *a, const struct model_desc *b)
{
	CHECKF(!strcmp(a->arch, b->arch) && !strcmp(a->tokenizer, b->tokenizer) && !strcmp(a->act, b->act), "%s/%s",
	       a->arch, b->arch);
	CHECK(!strcmp(a->name, b->name));
	CHECK(a->n_vocab == b->n_vocab && a->n_embd == b->n_embd && a->n_ff == b->n_ff && a->n_layer == b->n_layer);
	CHECK(a->n_head == b->n_head && a->n_head_kv == b->n_head_kv && a->n_ctx == b->n_ctx);
	CHECK(a->rope_theta == b->rope_theta && a->rms_eps == b->rms_eps);
	CHECK(a->tied == b->tied && a->sub_norms == b->sub_norms);
	CHECK(a->n_linear == b->n_linear && !memcmp(a->linear, b->linear, sizeof(a->linear[0]) * (size_t)a->n_linear));
}

TEST(generated_files_describe_themselves)
{
	const char *names[] = {"tiny", "bitnet-b1.58-2b-4t", "bitnet_b1_58-large", "llama3-8b-1.58", "falcon3-1b-1.58bit"};
	for (size_t i = 0; i < COUNTOF(names); i++) {
		struct model_desc want, got;
		const char *path = make(names[i], GGML_TYPE_I2_S, "m.gguf", &want);
		if (!path)
			return;
		struct gguf g;
		struct error e;
		CHECKF(gguf_open(&g, path, &e) == 0, "%s", e.msg);
		CHECKF(model_desc_from_gguf(&g, &got, &e) == 0, "%s: %s", names[i], e.msg);
		check_same(&want, &got);
		gguf_close(&g);
	}
}

TEST(exact_key_names)
{
	struct model_desc m;
	const char *path = make("tiny", GGML_TYPE_TQ2_0, "k.gguf", &m);
	struct gguf g;
	struct error e;
	if (!path || gguf_open(&g, path, &e))
		return;
	const char *keys[] = {"general.architecture", "general.name", "bitnet-b1.58.vocab_size",
	                      "bitnet-b1.58.context_length", "bitnet-b1.58.embedding_length", "bitnet-b1.58.block_count",
	                      "bitnet-b1.58.feed_forward_length", "bitnet-b1.58.rope.dimension_count",
	                      "bitnet-b1.58.attention.head_count", "bitnet-b1.58.attention.head_count_kv",
	                      "bitnet-b1.58.attention.layer_norm_rms_epsilon", "bitnet-b1.58.rope.freq_base",
	                      "general.file_type", "general.quantization_version", "tokenizer.ggml.model",
	                      "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type",
	                      "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
	                      "tokenizer.ggml.add_bos_token", "tokenizer.ggml.pre", "tokenizer.chat_template"};
	for (size_t i = 0; i < COUNTOF(keys); i++)
		CHECKF(gguf_find_kv(&g, keys[i]), "missing %s", keys[i]);
	uint32_t v;
	CHECK(gguf_get_u32(&g, "general.file_type", &v) == 0 && v == 37);
	CHECK(gguf_get_u32(&g, "bitnet-b1.58.rope.dimension_count", &v) == 0 && v == 64);
	CHECK(gguf_get_u32(&g, "general.quantization_version", &v) == 0 && v == 2);
	char s[64];
	CHECK(gguf_get_str(&g, "tokenizer.ggml.pre", s, sizeof(s)) == 0 && !strcmp(s, "llama-bpe"));
	CHECK_EQ_INT(g.n_tensors, 2 + 2 * 11);
	CHECK(gguf_find_tensor(&g, "output.weight") == NULL);
	const struct gguf_tensor *t = gguf_find_tensor(&g, "blk.1.ffn_down.weight");
	CHECK(t && t->type == GGML_TYPE_TQ2_0 && t->ne[0] == 512 && t->ne[1] == 256);
	t = gguf_find_tensor(&g, "blk.0.ffn_sub_norm.weight");
	CHECK(t && t->type == GGML_TYPE_F32 && t->n_dims == 1 && t->ne[0] == 512);
	gguf_close(&g);
}

/* every storage type decodes to the same ternary values and scale */
TEST(storage_types_decode_identically)
{
	uint32_t types[] = {GGML_TYPE_I2_S, GGML_TYPE_TQ2_0, GGML_TYPE_TQ1_0, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_F32};
	int8_t *first = NULL, *t = malloc(512 * 256);
	float first_alpha = 0;
	for (size_t i = 0; i < COUNTOF(types); i++) {
		struct model_desc m;
		const char *path = make("tiny", types[i], "s.gguf", &m);
		struct gguf g;
		struct error e;
		if (!path || gguf_open(&g, path, &e))
			break;
		const struct gguf_tensor *w = gguf_find_tensor(&g, "blk.1.ffn_up.weight");
		float alpha;
		CHECKF(w && ternary_decode(w->type, w->data, w->nbytes, w->ne[0], w->ne[1], t, &alpha, &e) == 0, "%s",
		       e.msg);
		int zeros = 0;
		for (int k = 0; k < 512 * 256; k++)
			zeros += t[k] == 0;
		CHECKF(zeros > 512 * 256 / 4 && zeros < 512 * 256 * 3 / 8, "%d zeros", zeros);
		if (!first) {
			first = malloc(512 * 256);
			memcpy(first, t, 512 * 256);
			first_alpha = alpha;
		} else {
			CHECKF(!memcmp(first, t, 512 * 256) && alpha == first_alpha, "type %s differs",
			       ggml_type_name(types[i]));
		}
		gguf_close(&g);
	}
	free(first);
	free(t);
}

/* copies src to dst, renaming the architecture, dropping one key and swapping one tensor's dims */
static int rewrite(const char *src, const char *dst, const char *arch, const char *drop, const char *swap)
{
	struct gguf g;
	struct error e;
	if (gguf_open(&g, src, &e))
		return -1;
	char old_arch[64];
	gguf_get_str(&g, "general.architecture", old_arch, sizeof(old_arch));
	struct gguf_writer *w = gguf_writer_new();
	for (uint64_t i = 0; i < g.n_kv; i++) {
		struct gguf_kv kv = g.kv[i];
		char key[256];
		if (drop && !strcmp(kv.key, drop))
			continue;
		size_t n = strlen(old_arch);
		if (arch && !strncmp(kv.key, old_arch, n) && kv.key[n] == '.') {
			snprintf(key, sizeof(key), "%s%s", arch, kv.key + n);
			kv.key = key;
		}
		if (arch && !strcmp(kv.key, "general.architecture"))
			gguf_w_str(w, kv.key, arch);
		else
			gguf_w_copy_kv(w, &kv);
	}
	for (uint64_t i = 0; i < g.n_tensors; i++) {
		const struct gguf_tensor *t = &g.tensors[i];
		int64_t ne[4] = {t->ne[0], t->ne[1], t->ne[2], t->ne[3]};
		if (swap && !strcmp(t->name, swap)) {
			ne[0] = t->ne[1];
			ne[1] = t->ne[0];
		}
		gguf_w_tensor(w, t->name, t->type, t->n_dims, ne, t->data, t->nbytes);
	}
	int r = gguf_writer_write(w, dst, &e);
	if (r)
		test_fail(__FILE__, __LINE__, "%s", e.msg);
	gguf_writer_free(w);
	gguf_close(&g);
	return r;
}

/* the error model_desc_from_gguf gives for a rewritten file ("" when it succeeds) */
static const char *describe(const char *src, const char *arch, const char *drop, const char *swap, struct model_desc *m)
{
	static struct error e;
	char dst[600];
	snprintf(dst, sizeof(dst), "%s/rewritten.gguf", test_tmpdir());
	if (rewrite(src, dst, arch, drop, swap))
		return "rewrite failed";
	struct gguf g;
	if (gguf_open(&g, dst, &e))
		return e.msg;
	int r = model_desc_from_gguf(&g, m, &e);
	gguf_close(&g);
	return r ? e.msg : "";
}

TEST(architecture_names)
{
	struct model_desc want, m;
	const char *path = make("tiny", GGML_TYPE_I2_S, "a.gguf", &want);
	if (!path)
		return;
	CHECKF(!strcmp(describe(path, "bitnet-25", NULL, NULL, &m), ""), "bitnet-25");
	CHECK(!strcmp(m.arch, "bitnet-25") && !strcmp(m.act, "relu2") && m.sub_norms);
	CHECKF(!strcmp(describe(path, "bitnet-1.58", NULL, NULL, &m), ""), "bitnet-1.58");
	CHECK(!strcmp(m.act, "relu2") && m.sub_norms);
	CHECKF(!strcmp(describe(path, "bitnet", NULL, NULL, &m), ""), "bitnet");
	CHECK(!strcmp(m.act, "silu") && m.sub_norms && m.tied);
	/* llama: no sub-norms needed (the extra tensors are ignored), silu */
	CHECKF(!strcmp(describe(path, "llama", NULL, NULL, &m), ""), "llama");
	CHECK(!strcmp(m.act, "silu") && !m.sub_norms);
	CHECK(!strcmp(describe(path, "gpt-neox", NULL, NULL, &m),
	              "unknown architecture 'gpt-neox' (known: bitnet-b1.58, bitnet-25, bitnet-1.58, bitnet, llama)"));
}

TEST(missing_keys_and_defaults)
{
	struct model_desc want, m;
	const char *path = make("tiny", GGML_TYPE_I2_S, "d.gguf", &want);
	if (!path)
		return;
	CHECK(!strcmp(describe(path, NULL, "bitnet-b1.58.rope.freq_base", NULL, &m), ""));
	CHECK(m.rope_theta == 10000.0f);
	/* without head_count_kv, kv heads = heads, and then attn_k has the wrong shape */
	const char *msg = describe(path, NULL, "bitnet-b1.58.attention.head_count_kv", NULL, &m);
	CHECKF(!strcmp(msg, "tensor 'blk.0.attn_k.weight': shape [256, 128], expected [256, 256] from the metadata"),
	       "%s", msg);
	const char *cases[][2] = {
		{"bitnet-b1.58.embedding_length", "missing key 'bitnet-b1.58.embedding_length'"},
		{"bitnet-b1.58.block_count", "missing key 'bitnet-b1.58.block_count'"},
		{"bitnet-b1.58.feed_forward_length", "missing key 'bitnet-b1.58.feed_forward_length'"},
		{"bitnet-b1.58.attention.head_count", "missing key 'bitnet-b1.58.attention.head_count'"},
		{"bitnet-b1.58.context_length", "missing key 'bitnet-b1.58.context_length'"},
		{"bitnet-b1.58.attention.layer_norm_rms_epsilon", "missing key 'bitnet-b1.58.attention.layer_norm_rms_epsilon'"},
		{"tokenizer.ggml.tokens", "missing key 'tokenizer.ggml.tokens' (an array of strings)"},
		{"general.architecture", "missing key 'general.architecture'"},
	};
	for (size_t i = 0; i < COUNTOF(cases); i++) {
		const char *got = describe(path, NULL, cases[i][0], NULL, &m);
		CHECKF(!strcmp(got, cases[i][1]), "dropping %s: got '%s'", cases[i][0], got);
	}
	const char *got = describe(path, NULL, NULL, "blk.1.attn_k.weight", &m);
	CHECKF(!strcmp(got, "tensor 'blk.1.attn_k.weight': shape [128, 256], expected [256, 128] from the metadata"),
	       "%s", got);
}

TEST(tokenizer_vocabularies)
{
	struct vocab v;
	struct error e;
	CHECK(vocab_gen_gpt2(&v, 4000, &e) == 0);
	CHECK_EQ_INT(v.n, 4000);
	CHECK(!strcmp(v.tokens[0], "!") && !strcmp(v.tokens[v.bos], "<|begin_of_text|>") && v.eot == v.bos + 2);
	CHECK(v.types[v.bos] == TOKEN_CONTROL && v.types[0] == TOKEN_NORMAL);
	char sp[4];
	gpt2_byte_char(' ', sp);
	CHECK(!strcmp(sp, "\xc4\xa0")); /* Ġ */
	gpt2_byte_char('\n', sp);
	CHECK(!strcmp(sp, "\xc4\x8a")); /* Ċ */
	/* every merge "A B" has A, B and AB in the vocabulary; no duplicates */
	for (int i = 0; i < v.n_merges && !test_failed(); i++) {
		char *m = strdup(v.merges[i]), *space = strchr(m + 1, ' ');
		CHECKF(space, "merge '%s'", v.merges[i]);
		if (!space)
			break;
		*space = 0;
		int a = 0, b = 0, ab = 0;
		char cat[256];
		snprintf(cat, sizeof(cat), "%s%s", m, space + 1);
		for (int t = 0; t < v.n; t++) {
			a |= !strcmp(v.tokens[t], m);
			b |= !strcmp(v.tokens[t], space + 1);
			ab |= !strcmp(v.tokens[t], cat);
		}
		CHECKF(a && b && ab, "merge '%s'", v.merges[i]);
		free(m);
	}
	int found_the = 0;
	for (int t = 256; t < v.n; t++)
		found_the |= !strcmp(v.tokens[t], "\xc4\xa0the");
	CHECK(found_the); /* "Ġthe" is learned from the text */
	vocab_free(&v);
	CHECK(vocab_gen_spm(&v, 1000, &e) == 0);
	CHECK(v.n == 1000 && v.bos == 1 && v.eos == 2 && v.unk == 0 && v.n_merges == 0);
	CHECK(!strcmp(v.tokens[3], "<0x00>") && v.types[3] == TOKEN_BYTE && !strcmp(v.tokens[258], "<0xFF>"));
	int found = 0;
	for (int t = 259; t < v.n; t++)
		found |= !strcmp(v.tokens[t], "\xe2\x96\x81the");
	CHECK(found);
	vocab_free(&v);
	CHECK(vocab_gen_gpt2(&v, 100, &e) == -1 && strstr(e.msg, "at least 261"));
}
