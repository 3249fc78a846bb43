#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/ggml_types.h"
#include "kernel/kinds.h"
#include "runtime/model.h"
#include "format/model_meta.h"

void model_options_default(struct model_options *o)
{
	memset(o, 0, sizeof(*o));
	o->kernel = KC_AUTO;
	o->tile = 64;
}

static const struct gguf_tensor *find_layer_tensor(const struct model *m, int l, const char *what)
{
	char name[96];
	snprintf(name, sizeof(name), "blk.%d.%s", l, what);
	return gguf_find_tensor(&m->g, name);
}

/* a 1-D vector of n floats from any decodable type; NULL with a message when absent (and
 * required) or of the wrong shape */
static float *load_vector(struct model *m, const struct gguf_tensor *t, const char *name, int64_t n, struct error *e)
{
	if (!t) {
		errorf(e, "missing tensor '%s'", name);
		return NULL;
	}
	if (t->ne[0] != n || t->ne[1] * t->ne[2] * t->ne[3] != 1) {
		errorf(e, "tensor '%s' has shape [%lld, %lld], expected [%lld]", name, (long long)t->ne[0],
		       (long long)t->ne[1], (long long)n);
		return NULL;
	}
	if (!ggml_type_decodable(t->type)) {
		errorf(e, "tensor '%s' has unsupported type %s", name, ggml_type_name(t->type) ? ggml_type_name(t->type) : "?");
		return NULL;
	}
	float *v = xmalloc((size_t)n * sizeof(float));
	ggml_decode_row(t->type, t->data, n, 1, 0, v);
	(void)m;
	return v;
}

static float *load_layer_vector(struct model *m, int l, const char *what, int64_t n, int optional, struct error *e)
{
	char name[96];
	snprintf(name, sizeof(name), "blk.%d.%s", l, what);
	const struct gguf_tensor *t = gguf_find_tensor(&m->g, name);
	if (!t && optional)
		return NULL;
	return load_vector(m, t, name, n, e);
}

/* decodes the tensors names[0..nparts) (rows stacked) into t, or, when packed is not NULL (every part is
 * I2_S or TQ2_0 and the kernel is I2S), repacks them straight into packed; fills b's parts */
static int decode_parts(struct model *m, int l, const char *const *names, const int32_t *rows, int nparts, int32_t k,
                        struct bitlinear *b, int8_t *t, uint8_t *packed, struct error *e)
{
	int32_t row = 0;
	for (int p = 0; p < nparts; p++) {
		char name[96];
		snprintf(name, sizeof(name), "blk.%d.%s.weight", l, names[p]);
		const struct gguf_tensor *gt = gguf_find_tensor(&m->g, name);
		if (!gt)
			return errorf(e, "missing tensor '%s'", name);
		if (gt->n_dims != 2 || gt->ne[0] != k || gt->ne[1] != rows[p])
			return errorf(e, "tensor '%s' has shape [%lld, %lld], expected [%d, %d]", name,
			              (long long)gt->ne[0], (long long)gt->ne[1], k, rows[p]);
		if (!ggml_type_ternary(gt->type)) {
			const char *tn = ggml_type_name(gt->type);
			return errorf(e, "tensor '%s' has type %s, which cannot hold ternary weights "
			              "(supported: I2_S, TQ1_0, TQ2_0, F16, BF16, F32)", name, tn ? tn : "unknown");
		}
		struct error de;
		if (packed && ternary_to_i2s_layout(gt->type, gt->data, k, rows[p], packed + (size_t)row * (size_t)k / 4,
		                                    &b->alpha[p]) == 0) {
			/* repacked */
		} else {
			/* decoded (and, when repacking, packed from the decoded values: the shortcut declined) */
			int8_t *dst = packed ? xmalloc((size_t)rows[p] * (size_t)k) : t + (size_t)row * (size_t)k;
			int rc = ternary_decode(gt->type, gt->data, gt->nbytes, k, rows[p], dst, &b->alpha[p], &de);
			if (packed && rc == 0)
				i2s_pack(dst, rows[p], k, packed + (size_t)row * (size_t)k / 4);
			if (packed)
				free(dst);
			if (rc < 0)
				return errorf(e, "tensor '%s': %s", name, de.msg);
		}
		snprintf(name, sizeof(name), "blk.%d.%s.scale", l, names[p]);
		const struct gguf_tensor *st = gguf_find_tensor(&m->g, name);
		if (st) {
			if (st->ne[0] * st->ne[1] * st->ne[2] * st->ne[3] != 1 || !ggml_type_decodable(st->type))
				return errorf(e, "tensor '%s' must be one float", name);
			float s;
			ggml_decode_row(st->type, st->data, 1, 1, 0, &s);
			b->alpha[p] *= s;
		}
		snprintf(name, sizeof(name), "blk.%d.%s.bias", l, names[p]);
		const struct gguf_tensor *bt = gguf_find_tensor(&m->g, name);
		if (bt) {
			float *v = load_vector(m, bt, name, rows[p], e);
			if (!v)
				return -1;
			if (!b->bias)
				b->bias = xcalloc((size_t)b->m, sizeof(float));
			memcpy(b->bias + row, v, (size_t)rows[p] * sizeof(float));
			free(v);
		}
		b->part_rows[p] = rows[p];
		row += rows[p];
	}
	b->nparts = nparts;
	return 0;
}

/* 1 when every part is stored as I2_S or TQ2_0 and both handles run I2S kernels, whose layout does not
 * depend on the tiles: the file's bytes can then be repacked without decoding */
static int i2s_direct(struct model *m, int l, const char *const *names, int nparts, const struct bitlinear *b)
{
	if (b->gemv.dense || b->gemm.dense || b->gemv.spec.kind != KIND_I2S || b->gemm.spec.kind != KIND_I2S)
		return 0;
	for (int p = 0; p < nparts; p++) {
		char name[96];
		snprintf(name, sizeof(name), "blk.%d.%s.weight", l, names[p]);
		const struct gguf_tensor *gt = gguf_find_tensor(&m->g, name);
		if (!gt || (gt->type != GGML_TYPE_I2_S && gt->type != GGML_TYPE_TQ2_0))
			return 0;
	}
	return 1;
}

static void note_handle(struct model *m, const struct kernel_handle *h)
{
	if (h->scratch > m->scratch_max)
		m->scratch_max = h->scratch;
}

/* decodes the parts to ternary and packs them for both handles (a second copy only when the GEMM's
 * layout differs) */
static int decode_and_pack(struct model *m, int l, const char *const *names, const int32_t *rows, int nparts,
                           int32_t k, struct bitlinear *b, struct error *e)
{
	int8_t *t = xmalloc((size_t)b->m * (size_t)k);
	if (decode_parts(m, l, names, rows, nparts, k, b, t, NULL, e) < 0) {
		free(t);
		return -1;
	}
	khandle_pack(&b->gemv, t, b->w_gemv);
	struct kernel_spec a = b->gemv.spec, c = b->gemm.spec;
	a.n = c.n = 1;
	a.threads = c.threads = 1;
	if (memcmp(&a, &c, sizeof(a)) != 0 || b->gemv.dense != b->gemm.dense) {
		/* different tiles: keep a second layout unless it happens to be the same bytes */
		size_t sz = khandle_pack_size(&b->gemv), sz2 = khandle_pack_size(&b->gemm);
		uint8_t *w2 = xaligned_alloc(64, sz2 + 64);
		khandle_pack(&b->gemm, t, w2);
		if (sz2 == sz && memcmp(w2, b->w_gemv, sz) == 0)
			free(w2);
		else
			b->w_gemm = w2;
	}
	free(t);
	return 0;
}

/* loads parts as one fused matrix (fuse = 1) or just one tensor */
static int load_bitlinear(struct model *m, int l, const char *const *names, const int32_t *rows, int nparts, int32_t k,
                          struct bitlinear *b, struct error *e)
{
	memset(b, 0, sizeof(*b));
	int32_t mm = 0;
	for (int p = 0; p < nparts; p++)
		mm += rows[p];
	b->m = mm;
	b->k = k;
	if (kprov_get(&m->kp, mm, k, m->tile, &b->gemv, &b->gemm, e) < 0) {
		char buf[96];
		snprintf(buf, sizeof(buf), "blk.%d.%s", l, names[0]);
		return errorf(e, "%s (%d×%d): %s", buf, mm, k, e->msg);
	}
	size_t sz = khandle_pack_size(&b->gemv);
	b->w_gemv = xaligned_alloc(64, sz + 64);
	b->w_gemm = b->w_gemv;
	int rc = i2s_direct(m, l, names, nparts, b) ? decode_parts(m, l, names, rows, nparts, k, b, NULL, b->w_gemv, e)
	                                            : decode_and_pack(m, l, names, rows, nparts, k, b, e);
	if (rc < 0) {
		free(b->w_gemv);
		b->w_gemv = b->w_gemm = NULL;
		return -1;
	}
	note_handle(m, &b->gemv);
	note_handle(m, &b->gemm);
	m->max_m = MAX(m->max_m, mm);
	m->max_k = MAX(m->max_k, k);
	return 0;
}

static void free_bitlinear(struct bitlinear *b)
{
	if (b->w_gemm != b->w_gemv)
		free(b->w_gemm);
	free(b->w_gemv);
	free(b->bias);
	memset(b, 0, sizeof(*b));
}

/* fused when the kernels can hold the stacked shape, else separate matrices */
static int load_group(struct model *m, int l, const char *const *names, const int32_t *rows, int nparts, int32_t k,
                      struct bitlinear *out, int *nout, struct error *e)
{
	int32_t mm = 0;
	for (int p = 0; p < nparts; p++)
		mm += rows[p];
	struct kernel_handle g1, gn;
	struct error fe;
	if (!m->no_fuse && kprov_get(&m->kp, mm, k, m->tile, &g1, &gn, &fe) == 0 && !g1.dense) {
		*nout = 1;
		return load_bitlinear(m, l, names, rows, nparts, k, &out[0], e);
	}
	*nout = nparts;
	for (int p = 0; p < nparts; p++)
		if (load_bitlinear(m, l, names + p, rows + p, 1, k, &out[p], e) < 0)
			return -1;
	return 0;
}

static int check_matrix(const struct gguf_tensor *t, const char *name, int64_t ne0, int64_t ne1, struct error *e)
{
	if (!t)
		return errorf(e, "missing tensor '%s'", name);
	if (t->n_dims != 2 || t->ne[0] != ne0 || t->ne[1] != ne1)
		return errorf(e, "tensor '%s' has shape [%lld, %lld], expected [%lld, %lld]", name, (long long)t->ne[0],
		              (long long)t->ne[1], (long long)ne0, (long long)ne1);
	if (!ggml_type_decodable(t->type)) {
		const char *tn = ggml_type_name(t->type);
		return errorf(e, "tensor '%s' has unsupported type %s", name, tn ? tn : "unknown");
	}
	return 0;
}

static int load_layer(struct model *m, int l, struct error *e)
{
	struct layer *L = &m->layers[l];
	const struct model_desc *d = &m->d;
	int32_t E = d->n_embd, F = d->n_ff, KV = m->kv_dim;
	if (!(L->attn_norm = load_layer_vector(m, l, "attn_norm.weight", E, 0, e)))
		return -1;
	if (!(L->ffn_norm = load_layer_vector(m, l, "ffn_norm.weight", E, 0, e)))
		return -1;
	L->attn_sub_norm = load_layer_vector(m, l, "attn_sub_norm.weight", E, !d->sub_norms, e);
	if (!L->attn_sub_norm && (d->sub_norms || find_layer_tensor(m, l, "attn_sub_norm.weight")))
		return -1;
	L->ffn_sub_norm = load_layer_vector(m, l, "ffn_sub_norm.weight", F, !d->sub_norms, e);
	if (!L->ffn_sub_norm && (d->sub_norms || find_layer_tensor(m, l, "ffn_sub_norm.weight")))
		return -1;

	static const char *const qkv[] = {"attn_q", "attn_k", "attn_v"};
	const int32_t qkv_rows[] = {E, KV, KV};
	if (load_group(m, l, qkv, qkv_rows, 3, E, L->qkv, &L->n_qkv, e) < 0)
		return -1;
	static const char *const o[] = {"attn_output"};
	if (load_bitlinear(m, l, o, &E, 1, E, &L->o, e) < 0)
		return -1;
	static const char *const gu[] = {"ffn_gate", "ffn_up"};
	const int32_t gu_rows[] = {F, F};
	if (load_group(m, l, gu, gu_rows, 2, E, L->gate_up, &L->n_gate_up, e) < 0)
		return -1;
	static const char *const down[] = {"ffn_down"};
	if (load_bitlinear(m, l, down, &E, 1, F, &L->down, e) < 0)
		return -1;
	return 0;
}

static int model_load_inner(struct model *m, const char *path, const struct model_options *o, struct error *e)
{
	if (gguf_open(&m->g, path, e) < 0)
		return -1;
	m->g_open = 1;
	if (model_desc_from_gguf(&m->g, &m->d, e) < 0)
		return -1;
	if (model_validate(&m->d, e) < 0)
		return -1;
	struct model_desc *d = &m->d;
	if (d->n_head <= 0 || d->n_head_kv <= 0 || d->n_embd % d->n_head || d->n_head % d->n_head_kv)
		return errorf(e, "inconsistent attention heads: n_embd %d, heads %d, kv heads %d", d->n_embd, d->n_head,
		              d->n_head_kv);
	m->head_dim = d->n_embd / d->n_head;
	if (m->head_dim % 2)
		return errorf(e, "head size %d is odd; RoPE needs pairs", m->head_dim);
	m->kv_dim = m->head_dim * d->n_head_kv;
	m->rope_neox = strcmp(d->arch, "llama") != 0;
	if (!strcmp(d->act, "relu2"))
		m->relu2 = 1;
	else if (!strcmp(d->act, "silu"))
		m->relu2 = 0;
	else
		return errorf(e, "unsupported FFN activation '%s'", d->act);
	m->tile = o->tile > 0 ? o->tile : 64;

	m->tok_embd = gguf_find_tensor(&m->g, "token_embd.weight");
	if (check_matrix(m->tok_embd, "token_embd.weight", d->n_embd, d->n_vocab, e) < 0)
		return -1;
	m->output = gguf_find_tensor(&m->g, "output.weight");
	if (m->output) {
		if (check_matrix(m->output, "output.weight", d->n_embd, d->n_vocab, e) < 0)
			return -1;
	} else {
		m->output = m->tok_embd;
	}
	if (o->lm_head_q8 && lmhead_q8_build(&m->head_q8, m->output, d->n_vocab, d->n_embd, e) < 0)
		return -1;
	if (!(m->output_norm = load_vector(m, gguf_find_tensor(&m->g, "output_norm.weight"), "output_norm.weight",
	                                   d->n_embd, e)))
		return -1;
	const struct gguf_tensor *rf = gguf_find_tensor(&m->g, "rope_freqs.weight");
	if (rf && !(m->rope_freqs = load_vector(m, rf, "rope_freqs.weight", m->head_dim / 2, e)))
		return -1;

	m->no_fuse = o->no_fuse;
	kprov_init(&m->kp, o->kernel, o->env);
	m->layers = xcalloc((size_t)d->n_layer, sizeof(struct layer));
	for (int l = 0; l < d->n_layer; l++) {
		if (load_layer(m, l, e) < 0)
			return -1;
		if (o->progress)
			o->progress(o->progress_user, l + 1, d->n_layer);
	}
	int compiled;
	double secs;
	kprov_compile_stats(&m->kp, &compiled, &secs);
	if (!o->quiet && compiled > 0 && o->env) /* the first run on a new shape or CPU: say why it was slower */
		log_to(o->env->log, LOG_INFO, "compiled %d kernel%s for this CPU in %.1f s (cached in %s for the next runs)",
		       compiled, compiled == 1 ? "" : "s", secs, o->env->cache_dir);
	return 0;
}

int model_load(struct model *m, const char *path, const struct model_options *o, struct error *e)
{
	memset(m, 0, sizeof(*m));
	double t0 = now_seconds();
	struct error inner = {{0}};
	if (model_load_inner(m, path, o, &inner) < 0) {
		if (strncmp(inner.msg, path, strlen(path)) == 0)
			errorf(e, "%s", inner.msg);
		else
			errorf(e, "%s: %s", path, inner.msg);
		model_free(m);
		return -1;
	}
	m->load_seconds = now_seconds() - t0;
	return 0;
}

void model_free(struct model *m)
{
	if (m->layers) {
		for (int l = 0; l < m->d.n_layer; l++) {
			struct layer *L = &m->layers[l];
			free(L->attn_norm);
			free(L->attn_sub_norm);
			free(L->ffn_norm);
			free(L->ffn_sub_norm);
			for (int i = 0; i < 3; i++)
				free_bitlinear(&L->qkv[i]);
			free_bitlinear(&L->o);
			for (int i = 0; i < 2; i++)
				free_bitlinear(&L->gate_up[i]);
			free_bitlinear(&L->down);
		}
		free(m->layers);
	}
	free(m->output_norm);
	free(m->rope_freqs);
	lmhead_q8_free(&m->head_q8);
	if (m->g_open)
		gguf_close(&m->g);
	memset(m, 0, sizeof(*m));
}

void model_describe_kernels(const struct model *m, char *buf, size_t len)
{
	if (!m->layers || m->d.n_layer < 1) {
		snprintf(buf, len, "no layers");
		return;
	}
	const struct layer *L = &m->layers[0];
	char a[256], b[256];
	khandle_describe(&L->gate_up[0].gemv, a, sizeof(a));
	khandle_describe(&L->gate_up[0].gemm, b, sizeof(b));
	snprintf(buf, len, "ffn_gate_up%s: gemv %s; gemm %s", L->n_gate_up == 1 ? " (fused)" : "", a, b);
}
