/* model.c: model-description consistency checks, derived BitLinear shapes, spec sanity checks. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

int32_t model_head_dim(const struct model_desc *m)
{
	return m->n_head > 0 ? m->n_embd / m->n_head : 0;
}

const struct linear_shape *model_find_linear(const struct model_desc *m, const char *name)
{
	for (int i = 0; i < m->n_linear && i < MODEL_MAX_LINEARS; i++)
		if (!strcmp(m->linear[i].name, name))
			return &m->linear[i];
	return NULL;
}

static void add_linear(struct model_desc *m, const char *name, int64_t rows, int64_t cols)
{
	struct linear_shape *l = &m->linear[m->n_linear++];
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->m = rows > INT32_MAX ? INT32_MAX : (int32_t)rows;
	l->k = cols > INT32_MAX ? INT32_MAX : (int32_t)cols;
}

void model_derive_linears(struct model_desc *m)
{
	int64_t embd = m->n_embd, ff = m->n_ff, kv = (int64_t)m->n_head_kv * model_head_dim(m);
	m->n_linear = 0;
	add_linear(m, "attn_q", embd, embd);
	add_linear(m, "attn_k", kv, embd);
	add_linear(m, "attn_v", kv, embd);
	add_linear(m, "attn_qkv", embd + 2 * kv, embd);
	add_linear(m, "attn_output", embd, embd);
	add_linear(m, "ffn_gate", ff, embd);
	add_linear(m, "ffn_up", ff, embd);
	add_linear(m, "ffn_gate_up", 2 * ff, embd);
	add_linear(m, "ffn_down", embd, ff);
}

int model_validate(const struct model_desc *m, struct error *e)
{
	struct {
		const char *name;
		int32_t v;
	} sizes[] = {{"vocab", m->n_vocab}, {"embd", m->n_embd},   {"ffn", m->n_ff},  {"layers", m->n_layer},
	             {"heads", m->n_head},  {"kv_heads", m->n_head_kv}, {"ctx", m->n_ctx}};
	for (size_t i = 0; i < COUNTOF(sizes); i++)
		if (sizes[i].v <= 0)
			return errorf(e, "expected %s > 0, got %d", sizes[i].name, sizes[i].v);
	if (!arch_known(m->arch))
		return errorf(e, "expected a known arch (bitnet-b1.58, bitnet-25, bitnet-1.58, bitnet, llama), got '%.32s'",
		              m->arch);
	if (strcmp(m->tokenizer, "gpt2") && strcmp(m->tokenizer, "llama"))
		return errorf(e, "expected tokenizer gpt2 or llama, got '%.16s'", m->tokenizer);
	if (strcmp(m->act, "relu2") && strcmp(m->act, "silu"))
		return errorf(e, "expected act relu2 or silu, got '%.16s'", m->act);
	if (m->n_embd % m->n_head)
		return errorf(e, "expected heads to divide embd, got embd %d and heads %d", m->n_embd, m->n_head);
	if (m->n_head % m->n_head_kv)
		return errorf(e, "expected kv_heads to divide heads, got heads %d and kv_heads %d", m->n_head,
		              m->n_head_kv);
	if (model_head_dim(m) % 2)
		return errorf(e, "expected an even head dimension (RoPE rotates pairs), got %d", model_head_dim(m));
	if ((int64_t)m->n_ff * 2 > INT32_MAX || (int64_t)m->n_embd * 3 > INT32_MAX)
		return errorf(e, "expected embd and ffn small enough for fused shapes, got embd %d ffn %d", m->n_embd,
		              m->n_ff);
	if (!(m->rope_theta > 0) || !isfinite(m->rope_theta))
		return errorf(e, "expected rope_theta > 0, got %g", (double)m->rope_theta);
	if (!(m->rms_eps > 0) || !(m->rms_eps < 1))
		return errorf(e, "expected 0 < rms_eps < 1, got %g", (double)m->rms_eps);
	if ((m->tied != 0 && m->tied != 1) || (m->sub_norms != 0 && m->sub_norms != 1))
		return errorf(e, "expected tied and sub_norms to be 0 or 1, got %d and %d", m->tied, m->sub_norms);
	if (m->n_linear < 0 || m->n_linear > MODEL_MAX_LINEARS)
		return errorf(e, "expected at most %d linears, got %d", MODEL_MAX_LINEARS, m->n_linear);
	struct model_desc d = *m;
	model_derive_linears(&d);
	for (int i = 0; i < m->n_linear; i++) {
		const struct linear_shape *l = &m->linear[i], *want = model_find_linear(&d, l->name);
		if (!want)
			return errorf(e, "expected a linear name (attn_q, attn_k, attn_v, attn_qkv, attn_output, ffn_gate, ffn_up, ffn_gate_up, ffn_down), got '%.32s'",
			              l->name);
		if (model_find_linear(m, l->name) != l)
			return errorf(e, "expected each linear once, got '%s' twice", l->name);
		if (l->m != want->m || l->k != want->k)
			return errorf(e, "expected %s m=%d k=%d (from the dimensions), got m=%d k=%d", l->name, want->m,
			              want->k, l->m, l->k);
	}
	return 0;
}

int spec_validate(const struct kernel_spec *s, struct error *e)
{
	if ((unsigned)s->kind >= KIND_COUNT)
		return errorf(e, "expected a kernel kind (i2s, tl1, tl2), got %d", (int)s->kind);
	if ((unsigned)s->isa >= ISA_COUNT)
		return errorf(e, "expected an ISA, got %d", (int)s->isa);
	struct {
		const char *name;
		int32_t v, min;
	} f[] = {{"m", s->m, 1},   {"k", s->k, 1},           {"n", s->n, 1},
	         {"bm", s->bm, 1}, {"bk", s->bk, 1},         {"rb", s->rb, 1},
	         {"unroll", s->unroll, 1}, {"prefetch", s->prefetch, 0}, {"threads", s->threads, 1}};
	for (size_t i = 0; i < COUNTOF(f); i++)
		if (f[i].v < f[i].min)
			return errorf(e, "expected %s >= %d, got %d", f[i].name, f[i].min, f[i].v);
	return 0;
}
