/* parse.c: the IR parser (model descriptions and kernel specs). Every error reads
 * "FILE:LINE:COL: expected X, got Y". */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "ir/lex.h"

enum model_key {
	K_ARCH, K_TOKENIZER, K_VOCAB, K_EMBD, K_FFN, K_LAYERS, K_HEADS, K_KV_HEADS, K_CTX,
	K_ROPE_THETA, K_RMS_EPS, K_TIED, K_SUB_NORMS, K_ACT, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"arch", "tokenizer", "vocab", "embd", "ffn", "layers", "heads", "kv_heads", "ctx",
	"rope_theta", "rms_eps", "tied", "sub_norms", "act",
};

#define KEY_LIST "arch, tokenizer, vocab, embd, ffn, layers, heads, kv_heads, ctx, rope_theta, rms_eps, tied, sub_norms, act"
#define LINEAR_LIST "attn_q, attn_k, attn_v, attn_qkv, attn_output, ffn_gate, ffn_up, ffn_gate_up, ffn_down"
#define FIELD_LIST "m, k, n, isa, bm, bk, rb, unroll, prefetch, threads"

struct parser {
	const char *file;
	struct error *e;
	struct ir_file *out;
	int model_line;
	int key_line[K_COUNT];
	int linear_line[MODEL_MAX_LINEARS];
	int spec_cap;
};

/* "got 'x'" text of a token */
#define QUOTE(t, buf) (ir_tok_quote((t), (buf), sizeof(buf)), (buf))

static int err_tok(struct parser *p, const struct ir_line *l, const struct ir_tok *t, const char *expected)
{
	char q[96];
	return ir_error(p->e, p->file, l->lineno, t->col, "expected %s, got %s", expected, QUOTE(t, q));
}

static int err_eol(struct parser *p, const struct ir_line *l, const char *expected)
{
	return ir_error(p->e, p->file, l->lineno, l->end_col, "expected %s, got end of line", expected);
}

/* checks that nothing follows token index `used` */
static int expect_eol(struct parser *p, const struct ir_line *l, int used)
{
	if (l->ntok > used)
		return err_tok(p, l, &l->tok[used], "end of line");
	if (l->overflow_col)
		return ir_error(p->e, p->file, l->lineno, l->overflow_col, "expected end of line, got more tokens");
	return 0;
}

/* a decimal integer in [min, max] */
static int parse_int(struct parser *p, const struct ir_line *l, const struct ir_tok *t, const char *what,
                     int64_t min, int64_t max, int32_t *out)
{
	char q[96], exp[96];
	int64_t v = 0;
	if (t->len == 0 || t->len > 18) {
		if (t->len > 18) {
			int digits = 1;
			for (int i = 0; i < t->len; i++)
				digits &= t->s[i] >= '0' && t->s[i] <= '9';
			if (digits)
				goto range;
		}
		snprintf(exp, sizeof(exp), "an integer for %s", what);
		return ir_error(p->e, p->file, l->lineno, t->col, "expected %s, got %s", exp, QUOTE(t, q));
	}
	for (int i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9') {
			snprintf(exp, sizeof(exp), "an integer for %s", what);
			return ir_error(p->e, p->file, l->lineno, t->col, "expected %s, got %s", exp, QUOTE(t, q));
		}
		v = v * 10 + (t->s[i] - '0');
	}
	if (v < min || v > max)
		goto range;
	*out = (int32_t)v;
	return 0;
range:
	return ir_error(p->e, p->file, l->lineno, t->col, "expected %s between %lld and %lld, got %s", what,
	                (long long)min, (long long)max, QUOTE(t, q));
}

/* a finite float > 0 (and < below when below > 0) */
static int parse_float(struct parser *p, const struct ir_line *l, const struct ir_tok *t, const char *what,
                       float below, float *out)
{
	char buf[IR_TOKEN_MAX], q[96];
	int ok = t->len > 0 && t->len < (int)sizeof(buf);
	float v = 0;
	if (ok) {
		ir_tok_str(t, buf, sizeof(buf));
		char *end;
		errno = 0;
		v = strtof(buf, &end);
		ok = *end == 0 && end != buf && isfinite(v) && (buf[0] == '.' || buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'));
	}
	if (!ok)
		return ir_error(p->e, p->file, l->lineno, t->col, "expected a number for %s, got %s", what, QUOTE(t, q));
	if (!(v > 0) || (below > 0 && !(v < below))) {
		if (below > 0)
			return ir_error(p->e, p->file, l->lineno, t->col, "expected %s between 0 and %g (exclusive), got %s",
			                what, (double)below, QUOTE(t, q));
		return ir_error(p->e, p->file, l->lineno, t->col, "expected %s > 0, got %s", what, QUOTE(t, q));
	}
	*out = v;
	return 0;
}

static int parse_bool(struct parser *p, const struct ir_line *l, const struct ir_tok *t, const char *what, int *out)
{
	char exp[64];
	if (ir_tok_is(t, "true") || ir_tok_is(t, "1")) {
		*out = 1;
		return 0;
	}
	if (ir_tok_is(t, "false") || ir_tok_is(t, "0")) {
		*out = 0;
		return 0;
	}
	snprintf(exp, sizeof(exp), "true or false for %s", what);
	return err_tok(p, l, t, exp);
}

/* a word from a fixed set, copied into buf */
static int parse_word(struct parser *p, const struct ir_line *l, const struct ir_tok *t, const char *const *set,
                      const char *expected, char *buf, size_t len)
{
	for (int i = 0; set[i]; i++)
		if (ir_tok_is(t, set[i])) {
			snprintf(buf, len, "%s", set[i]);
			return 0;
		}
	return err_tok(p, l, t, expected);
}

static int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-' || c == '+';
}

static int parse_model_line(struct parser *p, const struct ir_line *l)
{
	const char *what = "a model name (letters, digits, '.', '_', '-', '+'; at most 63 characters)";
	if (p->out->has_model)
		return ir_error(p->e, p->file, l->lineno, l->tok[0].col,
		                "expected one model per file, got a second 'model' (first on line %d)", p->model_line);
	if (l->ntok < 2)
		return err_eol(p, l, what);
	const struct ir_tok *t = &l->tok[1];
	int ok = t->len > 0 && t->len < (int)sizeof(p->out->model.name);
	for (int i = 0; ok && i < t->len; i++)
		ok = name_char_ok(t->s[i]);
	if (!ok)
		return err_tok(p, l, t, what);
	if (expect_eol(p, l, 2))
		return -1;
	p->out->has_model = 1;
	p->model_line = l->lineno;
	ir_tok_str(t, p->out->model.name, sizeof(p->out->model.name));
	return 0;
}

static int find_key(const struct ir_tok *t)
{
	for (int k = 0; k < K_COUNT; k++)
		if (ir_tok_is(t, key_names[k]))
			return k;
	return -1;
}

static int parse_key_line(struct parser *p, const struct ir_line *l, int key)
{
	static const char *const arches[] = {"bitnet-b1.58", "bitnet-25", "bitnet-1.58", "bitnet", "llama", NULL};
	static const char *const tokenizers[] = {"gpt2", "llama", NULL};
	static const char *const acts[] = {"relu2", "silu", NULL};
	struct model_desc *m = &p->out->model;
	char exp[96];
	if (!p->out->has_model)
		return err_tok(p, l, &l->tok[0], "a 'model NAME' line before the model's keys");
	if (p->key_line[key])
		return ir_error(p->e, p->file, l->lineno, l->tok[0].col,
		                "expected each key once, got a second '%s' (first on line %d)", key_names[key],
		                p->key_line[key]);
	snprintf(exp, sizeof(exp), "a value for %s", key_names[key]);
	if (l->ntok < 2)
		return err_eol(p, l, exp);
	const struct ir_tok *v = &l->tok[1];
	const char *kn = key_names[key];
	int r = 0;
	switch (key) {
	case K_ARCH:
		r = parse_word(p, l, v, arches, "an arch (bitnet-b1.58, bitnet-25, bitnet-1.58, bitnet, llama)", m->arch,
		               sizeof(m->arch));
		break;
	case K_TOKENIZER:
		r = parse_word(p, l, v, tokenizers, "a tokenizer (gpt2, llama)", m->tokenizer, sizeof(m->tokenizer));
		break;
	case K_ACT:
		r = parse_word(p, l, v, acts, "an act (relu2, silu)", m->act, sizeof(m->act));
		break;
	case K_VOCAB: r = parse_int(p, l, v, kn, 1, INT32_MAX, &m->n_vocab); break;
	case K_EMBD: r = parse_int(p, l, v, kn, 1, INT32_MAX / 3, &m->n_embd); break;
	case K_FFN: r = parse_int(p, l, v, kn, 1, INT32_MAX / 2, &m->n_ff); break;
	case K_LAYERS: r = parse_int(p, l, v, kn, 1, 100000, &m->n_layer); break;
	case K_HEADS: r = parse_int(p, l, v, kn, 1, 100000, &m->n_head); break;
	case K_KV_HEADS: r = parse_int(p, l, v, kn, 1, 100000, &m->n_head_kv); break;
	case K_CTX: r = parse_int(p, l, v, kn, 1, INT32_MAX, &m->n_ctx); break;
	case K_ROPE_THETA: r = parse_float(p, l, v, kn, 0, &m->rope_theta); break;
	case K_RMS_EPS: r = parse_float(p, l, v, kn, 1, &m->rms_eps); break;
	case K_TIED: r = parse_bool(p, l, v, kn, &m->tied); break;
	case K_SUB_NORMS: r = parse_bool(p, l, v, kn, &m->sub_norms); break;
	}
	if (r || expect_eol(p, l, 2))
		return -1;
	p->key_line[key] = l->lineno;
	return 0;
}

/* one `name=value` field list entry */
struct field {
	const char *name;
	int32_t *ival; /* integer field, or NULL for the isa */
	enum isa *isa;
	int64_t min;
	int col; /* where it was given; 0 until then */
};

/* parses tokens [from, ntok) as name=value fields; all must be given exactly once */
static int parse_fields(struct parser *p, const struct ir_line *l, int from, struct field *f, int nf,
                        const char *list)
{
	char exp[160], q[96];
	for (int i = from; i < l->ntok; i++) {
		const struct ir_tok *t = &l->tok[i];
		const char *eq = memchr(t->s, '=', (size_t)t->len);
		if (!eq) {
			snprintf(exp, sizeof(exp), "NAME=VALUE (%s)", list);
			return err_tok(p, l, t, exp);
		}
		struct ir_tok name = {t->s, (int)(eq - t->s), t->col};
		struct ir_tok val = {eq + 1, t->len - name.len - 1, t->col + name.len + 1};
		int j = 0;
		while (j < nf && !ir_tok_is(&name, f[j].name))
			j++;
		if (j == nf) {
			snprintf(exp, sizeof(exp), "a field name (%s)", list);
			return err_tok(p, l, &name, exp);
		}
		if (f[j].col)
			return ir_error(p->e, p->file, l->lineno, t->col,
			                "expected each field once, got a second '%s' (first at column %d)", f[j].name,
			                f[j].col);
		if (val.len == 0)
			return ir_error(p->e, p->file, l->lineno, val.col, "expected a value after '%s=', got nothing",
			                f[j].name);
		if (f[j].ival) {
			if (parse_int(p, l, &val, f[j].name, f[j].min, INT32_MAX, f[j].ival))
				return -1;
		} else {
			char buf[IR_TOKEN_MAX] = "";
			if (val.len < (int)sizeof(buf))
				ir_tok_str(&val, buf, sizeof(buf));
			if (isa_parse(buf, f[j].isa))
				return ir_error(p->e, p->file, l->lineno, val.col,
				                "expected an isa (scalar, avx2, avxvnni, avx512vnni, amx, neon, dotprod, ptx), got %s",
				                QUOTE(&val, q));
		}
		f[j].col = t->col;
	}
	for (int j = 0; j < nf; j++)
		if (!f[j].col) {
			snprintf(exp, sizeof(exp), "field '%s='", f[j].name);
			return err_eol(p, l, exp);
		}
	if (l->overflow_col)
		return ir_error(p->e, p->file, l->lineno, l->overflow_col, "expected end of line, got more tokens");
	return 0;
}

static int parse_spec_tokens(struct parser *p, const struct ir_line *l, int first, struct kernel_spec *s)
{
	memset(s, 0, sizeof(*s));
	if (l->ntok <= first)
		return err_eol(p, l, "a kernel kind (i2s, tl1, tl2)");
	char buf[8] = "";
	if (l->tok[first].len < (int)sizeof(buf))
		ir_tok_str(&l->tok[first], buf, sizeof(buf));
	if (kind_parse(buf, &s->kind))
		return err_tok(p, l, &l->tok[first], "a kernel kind (i2s, tl1, tl2)");
	struct field f[] = {
		{"m", &s->m, NULL, 1, 0},          {"k", &s->k, NULL, 1, 0},          {"n", &s->n, NULL, 1, 0},
		{"isa", NULL, &s->isa, 0, 0},      {"bm", &s->bm, NULL, 1, 0},        {"bk", &s->bk, NULL, 1, 0},
		{"rb", &s->rb, NULL, 1, 0},        {"unroll", &s->unroll, NULL, 1, 0}, {"prefetch", &s->prefetch, NULL, 0, 0},
		{"threads", &s->threads, NULL, 1, 0},
	};
	return parse_fields(p, l, first + 1, f, (int)COUNTOF(f), FIELD_LIST);
}

static int parse_kernel_line(struct parser *p, const struct ir_line *l)
{
	struct kernel_spec s;
	if (parse_spec_tokens(p, l, 1, &s))
		return -1;
	struct ir_file *o = p->out;
	if (o->nspecs == p->spec_cap) {
		p->spec_cap = p->spec_cap ? 2 * p->spec_cap : 8;
		o->specs = xrealloc(o->specs, (size_t)p->spec_cap * sizeof(*o->specs));
	}
	o->specs[o->nspecs++] = s;
	return 0;
}

static int parse_linear_line(struct parser *p, const struct ir_line *l)
{
	static const char *const names[] = {"attn_q",   "attn_k", "attn_v",      "attn_qkv", "attn_output",
	                                    "ffn_gate", "ffn_up", "ffn_gate_up", "ffn_down", NULL};
	struct model_desc *m = &p->out->model;
	if (!p->out->has_model)
		return err_tok(p, l, &l->tok[0], "a 'model NAME' line before 'linear'");
	if (l->ntok < 2)
		return err_eol(p, l, "a linear name (" LINEAR_LIST ")");
	char name[32];
	if (parse_word(p, l, &l->tok[1], names, "a linear name (" LINEAR_LIST ")", name, sizeof(name)))
		return -1;
	for (int i = 0; i < m->n_linear; i++)
		if (!strcmp(m->linear[i].name, name))
			return ir_error(p->e, p->file, l->lineno, l->tok[1].col,
			                "expected each linear once, got a second '%s' (first on line %d)", name,
			                p->linear_line[i]);
	struct linear_shape sh = {{0}, 0, 0};
	snprintf(sh.name, sizeof(sh.name), "%s", name);
	struct field f[] = {{"m", &sh.m, NULL, 1, 0}, {"k", &sh.k, NULL, 1, 0}};
	if (parse_fields(p, l, 2, f, 2, "m, k"))
		return -1;
	/* at most 9 distinct names exist, so this cannot overflow MODEL_MAX_LINEARS */
	p->linear_line[m->n_linear] = l->lineno;
	m->linear[m->n_linear++] = sh;
	return 0;
}

static int parse_statement(struct parser *p, const struct ir_line *l)
{
	const struct ir_tok *t = &l->tok[0];
	if (ir_tok_is(t, "model"))
		return parse_model_line(p, l);
	if (ir_tok_is(t, "kernel"))
		return parse_kernel_line(p, l);
	if (ir_tok_is(t, "linear"))
		return parse_linear_line(p, l);
	int key = find_key(t);
	if (key >= 0)
		return parse_key_line(p, l, key);
	if (!p->out->has_model)
		return err_tok(p, l, t, "a statement ('model', 'kernel', 'linear' or a model key)");
	return err_tok(p, l, t, "a model key (" KEY_LIST "), 'linear' or 'kernel'");
}

/* the checks that need the whole model: every key given, dimensions consistent, linears right */
static int finish_model(struct parser *p)
{
	struct model_desc *m = &p->out->model;
	struct error ve;
	for (int k = 0; k < K_COUNT; k++)
		if (!p->key_line[k])
			return ir_error(p->e, p->file, p->model_line, 1, "expected key '%s' in model '%s', got none",
			                key_names[k], m->name);
	struct model_desc dims = *m;
	dims.n_linear = 0;
	if (model_validate(&dims, &ve))
		return ir_error(p->e, p->file, p->model_line, 1, "%s", ve.msg);
	if (m->n_linear == 0) {
		model_derive_linears(m);
		return 0;
	}
	model_derive_linears(&dims);
	for (int i = 0; i < m->n_linear; i++) {
		const struct linear_shape *l = &m->linear[i], *want = model_find_linear(&dims, l->name);
		if (l->m != want->m || l->k != want->k)
			return ir_error(p->e, p->file, p->linear_line[i], 1,
			                "expected linear %s m=%d k=%d (from the model's dimensions), got m=%d k=%d", l->name,
			                want->m, want->k, l->m, l->k);
	}
	for (int i = 0; i < dims.n_linear; i++)
		if (!model_find_linear(m, dims.linear[i].name))
			return ir_error(p->e, p->file, p->model_line, 1,
			                "expected 'linear %s' in model '%s' (all linears or none), got none",
			                dims.linear[i].name, m->name);
	return 0;
}

int ir_parse(const char *text, const char *filename, struct ir_file *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	struct parser p = {.file = filename, .e = e, .out = out};
	struct ir_line l;
	int lineno = 0;
	for (const char *s = text; s;) {
		s = ir_split_line(s, ++lineno, &l);
		if (l.ntok == 0)
			continue;
		if (parse_statement(&p, &l))
			goto fail;
	}
	if (out->has_model && finish_model(&p))
		goto fail;
	if (!out->has_model && out->nspecs == 0) {
		ir_error(e, filename, lineno, 1, "expected a 'model' or 'kernel' statement, got end of file");
		goto fail;
	}
	return 0;
fail:
	ir_free(out);
	return -1;
}

int ir_parse_file(const char *path, struct ir_file *out, struct error *e)
{
	size_t len;
	memset(out, 0, sizeof(*out));
	char *text = read_file(path, &len, e);
	if (!text)
		return -1;
	size_t nul = strlen(text);
	if (nul != len) {
		int line = 1, col = 1;
		for (size_t i = 0; i < nul; i++, col++)
			if (text[i] == '\n')
				line++, col = 0;
		free(text);
		return ir_error(e, path, line, col, "expected text, got a NUL byte");
	}
	int r = ir_parse(text, path, out, e);
	free(text);
	return r;
}

void ir_free(struct ir_file *f)
{
	free(f->specs);
	f->specs = NULL;
	f->nspecs = 0;
}

int spec_parse(const char *line, struct kernel_spec *s, struct error *e)
{
	struct parser p = {.file = "spec", .e = e};
	struct ir_line l;
	const char *rest = ir_split_line(line, 1, &l);
	if (rest) {
		struct ir_line extra;
		ir_split_line(rest, 2, &extra);
		if (extra.ntok)
			return err_tok(&p, &extra, &extra.tok[0], "one spec line");
	}
	int first = l.ntok > 0 && ir_tok_is(&l.tok[0], "kernel") ? 1 : 0;
	return parse_spec_tokens(&p, &l, first, s);
}
