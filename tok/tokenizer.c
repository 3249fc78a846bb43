/* tokenizer.c: loading a tokenizer from GGUF metadata, the vocabulary hash, special tokens,
 * and encode dispatch (special-token partition, BOS, then BPE or SentencePiece per fragment). */
#include "tok/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok/tok_internal.h"

#define KEY_MODEL "tokenizer.ggml.model"
#define KEY_PRE "tokenizer.ggml.pre"
#define KEY_TOKENS "tokenizer.ggml.tokens"
#define KEY_TYPES "tokenizer.ggml.token_type"
#define KEY_SCORES "tokenizer.ggml.scores"

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

int32_t tok_lookup(const struct tokenizer *t, const char *s, size_t len)
{
	for (size_t i = hash_bytes(s, len) & t->vocab_mask;; i = (i + 1) & t->vocab_mask) {
		int32_t id = t->vocab_slots[i];
		if (id < 0)
			return -1;
		size_t tl;
		const char *ts = tok_text(t, id, &tl);
		if (tl == len && memcmp(ts, s, len) == 0)
			return id;
	}
}

/* later duplicates of a string win, as in llama.cpp's token_to_id map */
static void build_vocab_hash(struct tokenizer *t)
{
	size_t cap = 64;
	while (cap < 2 * t->n_vocab)
		cap *= 2;
	t->vocab_mask = cap - 1;
	t->vocab_slots = xmalloc(cap * sizeof(*t->vocab_slots));
	memset(t->vocab_slots, 0xFF, cap * sizeof(*t->vocab_slots));
	for (size_t id = 0; id < t->n_vocab; id++) {
		size_t len;
		const char *s = tok_text(t, (int32_t)id, &len);
		for (size_t i = hash_bytes(s, len) & t->vocab_mask;; i = (i + 1) & t->vocab_mask) {
			int32_t o = t->vocab_slots[i];
			size_t ol;
			if (o >= 0) {
				const char *os = tok_text(t, o, &ol);
				if (ol != len || memcmp(os, s, len) != 0)
					continue;
			}
			t->vocab_slots[i] = (int32_t)id;
			break;
		}
	}
}

void tok_out_push(struct tok_out *o, int32_t id)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->ids = xrealloc(o->ids, o->cap * sizeof(*o->ids));
	}
	o->ids[o->n++] = id;
}

static int is_int_type(enum gguf_vtype v)
{
	return v == GGUF_U8 || v == GGUF_I8 || v == GGUF_U16 || v == GGUF_I16 || v == GGUF_U32 ||
	       v == GGUF_I32 || v == GGUF_U64 || v == GGUF_I64;
}

static int load_tokens(struct tokenizer *t, const struct gguf *g, struct error *e)
{
	const struct gguf_kv *kv = gguf_find_kv(g, KEY_TOKENS);
	if (!kv)
		return errorf(e, "%s: missing (the file has no vocabulary)", KEY_TOKENS);
	if (kv->type != GGUF_ARRAY || kv->arr_type != GGUF_STRING)
		return errorf(e, "%s: must be an array of strings", KEY_TOKENS);
	if (kv->count == 0)
		return errorf(e, "%s: the vocabulary is empty", KEY_TOKENS);
	if (kv->count > INT32_MAX - 1)
		return errorf(e, "%s: %llu tokens is too many", KEY_TOKENS, (unsigned long long)kv->count);
	t->n_vocab = (size_t)kv->count;
	uint64_t total = 0;
	for (size_t i = 0; i < t->n_vocab; i++)
		total += gguf_arr_str(kv, i).len;
	if (total > SIZE_MAX / 2)
		return errorf(e, "%s: token strings too large", KEY_TOKENS);
	t->text = xmalloc((size_t)total + 1);
	t->text_off = xmalloc((t->n_vocab + 1) * sizeof(*t->text_off));
	uint64_t off = 0;
	for (size_t i = 0; i < t->n_vocab; i++) {
		struct gguf_str s = gguf_arr_str(kv, i);
		t->text_off[i] = off;
		memcpy(t->text + off, s.ptr, (size_t)s.len);
		off += s.len;
	}
	t->text_off[t->n_vocab] = off;
	return 0;
}

static int load_types(struct tokenizer *t, const struct gguf *g, struct error *e)
{
	t->types = xmalloc(t->n_vocab);
	memset(t->types, TOK_NORMAL, t->n_vocab);
	const struct gguf_kv *kv = gguf_find_kv(g, KEY_TYPES);
	if (!kv)
		return 0;
	if (kv->type != GGUF_ARRAY || !is_int_type(kv->arr_type))
		return errorf(e, "%s: must be an array of integers", KEY_TYPES);
	if (kv->count != t->n_vocab)
		return errorf(e, "%s: has %llu entries but %s has %zu", KEY_TYPES,
		              (unsigned long long)kv->count, KEY_TOKENS, t->n_vocab);
	for (size_t i = 0; i < t->n_vocab; i++) {
		double v = gguf_arr_num(kv, i);
		if (!(v >= TOK_UNDEFINED && v <= TOK_BYTE))
			return errorf(e, "%s: token %zu has type %g (valid: 0..6)", KEY_TYPES, i, v);
		t->types[i] = (uint8_t)v;
	}
	return 0;
}

static int load_scores(struct tokenizer *t, const struct gguf *g, struct error *e)
{
	const struct gguf_kv *kv = gguf_find_kv(g, KEY_SCORES);
	if (!kv) {
		if (t->model == TOK_MODEL_SPM)
			return errorf(e, "%s: missing (a SentencePiece vocabulary needs scores)", KEY_SCORES);
		return 0;
	}
	if (kv->type != GGUF_ARRAY || (kv->arr_type != GGUF_F32 && kv->arr_type != GGUF_F64))
		return errorf(e, "%s: must be an array of floats", KEY_SCORES);
	if (kv->count != t->n_vocab)
		return errorf(e, "%s: has %llu entries but %s has %zu", KEY_SCORES,
		              (unsigned long long)kv->count, KEY_TOKENS, t->n_vocab);
	if (t->model != TOK_MODEL_SPM)
		return 0; /* BPE ranks come from the merges */
	t->scores = xmalloc(t->n_vocab * sizeof(*t->scores));
	for (size_t i = 0; i < t->n_vocab; i++)
		t->scores[i] = (float)gguf_arr_num(kv, i);
	return 0;
}

/* an optional token id key: absent (or negative: "none") leaves *id as it is */
static int load_id(struct tokenizer *t, const struct gguf *g, const char *key, int32_t *id,
                   struct error *e)
{
	const struct gguf_kv *kv = gguf_find_kv(g, key);
	if (!kv)
		return 0;
	if (!is_int_type(kv->type))
		return errorf(e, "%s: must be an integer", key);
	double v = gguf_arr_num(kv, 0);
	if (v < 0) {
		*id = -1;
		return 0;
	}
	if (v >= (double)t->n_vocab)
		return errorf(e, "%s: %.0f is out of range (the vocabulary has %zu tokens)", key, v,
		              t->n_vocab);
	*id = (int32_t)v;
	return 0;
}

static int load_bool(const struct gguf *g, const char *key, int *v, struct error *e)
{
	const struct gguf_kv *kv = gguf_find_kv(g, key);
	if (!kv)
		return 0;
	if (kv->type != GGUF_BOOL)
		return errorf(e, "%s: must be a bool", key);
	*v = kv->data[0] != 0;
	return 0;
}

struct pre_name {
	const char *name;
	enum pretok_kind kind;
};

static const struct pre_name pre_names[] = {
	{"llama3", PRETOK_LLAMA3},   {"llama-v3", PRETOK_LLAMA3}, {"llama-bpe", PRETOK_LLAMA3},
	{"falcon3", PRETOK_LLAMA3},  {"falcon_e", PRETOK_LLAMA3}, {"gpt-2", PRETOK_GPT2},
	{"default", PRETOK_DEFAULT},
};

static int pre_by_name(const char *name, enum pretok_kind *kind)
{
	for (size_t i = 0; i < COUNTOF(pre_names); i++)
		if (strcmp(pre_names[i].name, name) == 0) {
			*kind = pre_names[i].kind;
			return 0;
		}
	return -1;
}

static void set_pre(struct tokenizer *t, enum pretok_kind kind)
{
	t->pre = kind;
	t->ignore_merges = kind == PRETOK_LLAMA3;
}

int tokenizer_set_pre(struct tokenizer *t, const char *name, struct error *e)
{
	enum pretok_kind kind;
	if (t->model != TOK_MODEL_BPE)
		return errorf(e, "pre-tokenizer '%s': only BPE (gpt2) tokenizers have one", name);
	if (pre_by_name(name, &kind) < 0)
		return errorf(e, "unknown pre-tokenizer '%s' (known: llama-bpe, llama3, llama-v3, falcon3, "
		                 "falcon_e, gpt-2, default)", name);
	set_pre(t, kind);
	snprintf(t->pre_label, sizeof(t->pre_label), "%s (overridden)", name);
	return 0;
}

static int load_pre(struct tokenizer *t, const struct gguf *g, struct error *e)
{
	const struct gguf_kv *kv = gguf_find_kv(g, KEY_PRE);
	if (!kv) {
		/* bitnet.cpp's converter never writes the key; a Llama-3 vocabulary was trained with
		 * the Llama-3 regex, so use it rather than llama.cpp's "default" */
		if (tok_lookup(t, "<|begin_of_text|>", 17) >= 0) {
			set_pre(t, PRETOK_LLAMA3);
			snprintf(t->pre_label, sizeof(t->pre_label), "llama-bpe (no %s; Llama-3 vocabulary)", KEY_PRE);
		} else {
			set_pre(t, PRETOK_DEFAULT);
			snprintf(t->pre_label, sizeof(t->pre_label), "default (no %s)", KEY_PRE);
		}
		return 0;
	}
	char name[64];
	if (kv->type != GGUF_STRING)
		return errorf(e, "%s: must be a string", KEY_PRE);
	gguf_get_str(g, KEY_PRE, name, sizeof(name));
	enum pretok_kind kind;
	if (pre_by_name(name, &kind) < 0)
		return errorf(e, "%s: unsupported pre-tokenizer '%s' (supported: llama-bpe, llama3, llama-v3, "
		                 "falcon3, falcon_e, gpt-2, default)", KEY_PRE, name);
	set_pre(t, kind);
	snprintf(t->pre_label, sizeof(t->pre_label), "%s", name);
	return 0;
}

struct special_key {
	size_t len;
	int32_t id;
};

static int cmp_special(const void *a, const void *b)
{
	const struct special_key *x = a, *y = b;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static void add_eog(struct tokenizer *t, int32_t id)
{
	if (id < 0)
		return;
	for (size_t i = 0; i < t->n_eog; i++)
		if (t->eog[i] == id)
			return;
	t->eog = xrealloc(t->eog, (t->n_eog + 1) * sizeof(*t->eog));
	t->eog[t->n_eog++] = id;
}

static void find_specials(struct tokenizer *t)
{
	struct special_key *keys = xmalloc(t->n_vocab * sizeof(*keys));
	for (size_t id = 0; id < t->n_vocab; id++) {
		int ty = t->types[id];
		size_t len;
		tok_text(t, (int32_t)id, &len);
		if (len && (ty == TOK_CONTROL || ty == TOK_USER_DEFINED || ty == TOK_UNKNOWN))
			keys[t->n_specials++] = (struct special_key){len, (int32_t)id};
	}
	qsort(keys, t->n_specials, sizeof(*keys), cmp_special);
	t->specials = xmalloc((t->n_specials + 1) * sizeof(*t->specials));
	for (size_t i = 0; i < t->n_specials; i++)
		t->specials[i] = keys[i].id;
	free(keys);

	static const char *const eog_names[] = {"<|eot_id|>",    "<|eom_id|>",    "<|im_end|>", "<|end|>",
	                                        "<end_of_turn>", "<|endoftext|>", "<EOT>"};
	add_eog(t, t->eos);
	add_eog(t, t->eot);
	add_eog(t, t->eom);
	for (size_t i = 0; i < COUNTOF(eog_names); i++)
		add_eog(t, tok_lookup(t, eog_names[i], strlen(eog_names[i])));
}

struct tokenizer *tokenizer_load(const struct gguf *g, struct error *e)
{
	const struct gguf_kv *kv = gguf_find_kv(g, KEY_MODEL);
	if (!kv)
		return errorf(e, "%s: missing (the file has no tokenizer)", KEY_MODEL), NULL;
	if (kv->type != GGUF_STRING)
		return errorf(e, "%s: must be a string", KEY_MODEL), NULL;
	char model[32];
	gguf_get_str(g, KEY_MODEL, model, sizeof(model));
	struct tokenizer *t = xcalloc(1, sizeof(*t));
	t->bos = t->eos = t->unk = t->eot = t->eom = -1;
	if (strcmp(model, "gpt2") == 0) {
		t->model = TOK_MODEL_BPE;
	} else if (strcmp(model, "llama") == 0) {
		t->model = TOK_MODEL_SPM;
	} else {
		errorf(e, "%s: unsupported tokenizer model '%s' (supported: gpt2, llama)", KEY_MODEL, model);
		goto fail;
	}
	if (load_tokens(t, g, e) < 0 || load_types(t, g, e) < 0 || load_scores(t, g, e) < 0)
		goto fail;
	build_vocab_hash(t);
	if (t->model == TOK_MODEL_SPM) {
		/* SentencePiece conventions when the keys are absent */
		t->unk = t->n_vocab > 0 ? 0 : -1;
		t->bos = t->n_vocab > 1 ? 1 : -1;
		t->eos = t->n_vocab > 2 ? 2 : -1;
	}
	if (load_id(t, g, "tokenizer.ggml.bos_token_id", &t->bos, e) < 0 ||
	    load_id(t, g, "tokenizer.ggml.eos_token_id", &t->eos, e) < 0 ||
	    load_id(t, g, "tokenizer.ggml.unknown_token_id", &t->unk, e) < 0 ||
	    load_id(t, g, "tokenizer.ggml.eot_token_id", &t->eot, e) < 0 ||
	    load_id(t, g, "tokenizer.ggml.eom_token_id", &t->eom, e) < 0)
		goto fail;
	if (t->model == TOK_MODEL_BPE) {
		if (load_pre(t, g, e) < 0 || tok_bpe_load(t, g, e) < 0)
			goto fail;
		t->add_bos = t->pre == PRETOK_LLAMA3;
	} else {
		tok_spm_load(t);
		t->add_bos = 1;
		t->add_space_prefix = 1;
		snprintf(t->pre_label, sizeof(t->pre_label), "none");
	}
	if (load_bool(g, "tokenizer.ggml.add_bos_token", &t->add_bos, e) < 0 ||
	    load_bool(g, "tokenizer.ggml.add_space_prefix", &t->add_space_prefix, e) < 0)
		goto fail;
	if (t->bos < 0)
		t->add_bos = 0; /* nothing to add */
	find_specials(t);
	return t;
fail:
	tokenizer_free(t);
	return NULL;
}

void tokenizer_free(struct tokenizer *t)
{
	if (!t)
		return;
	free(t->text);
	free(t->text_off);
	free(t->scores);
	free(t->types);
	free(t->vocab_slots);
	free(t->merges);
	free(t->specials);
	free(t->eog);
	free(t);
}

/* a piece of the text being encoded: raw text, or a special token found in it */
struct frag {
	int32_t id; /* -1 for raw text */
	size_t start, len;
};

struct frags {
	struct frag *v;
	size_t n, cap;
};

static void frag_push(struct frags *f, int32_t id, size_t start, size_t len)
{
	if (id < 0 && len == 0)
		return;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->v = xrealloc(f->v, f->cap * sizeof(*f->v));
	}
	f->v[f->n++] = (struct frag){id, start, len};
}

/* llama.cpp's order: each special token in turn (longest first) splits every raw fragment at
 * all of its occurrences; control and unknown tokens only when parse_special is set */
static void partition_specials(const struct tokenizer *t, const char *text, size_t len,
                               int parse_special, struct frags *out)
{
	struct frags cur = {0}, next = {0};
	frag_push(&cur, -1, 0, len);
	for (size_t k = 0; k < t->n_specials; k++) {
		int32_t id = t->specials[k];
		if (!parse_special && t->types[id] != TOK_USER_DEFINED)
			continue;
		size_t sl;
		const char *s = tok_text(t, id, &sl);
		next.n = 0;
		int found = 0;
		for (size_t i = 0; i < cur.n; i++) {
			struct frag f = cur.v[i];
			if (f.id >= 0 || f.len < sl) {
				frag_push(&next, f.id, f.start, f.len);
				continue;
			}
			size_t pos = f.start, end = f.start + f.len;
			const char *hit;
			while (end - pos >= sl && (hit = memmem(text + pos, end - pos, s, sl)) != NULL) {
				size_t at = (size_t)(hit - text);
				frag_push(&next, -1, pos, at - pos);
				frag_push(&next, id, at, sl);
				pos = at + sl;
				found = 1;
			}
			frag_push(&next, -1, pos, end - pos);
		}
		if (found) {
			struct frags tmp = cur;
			cur = next;
			next = tmp;
		}
	}
	free(next.v);
	*out = cur;
}

int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, int add_bos,
                     int parse_special, int32_t **ids, size_t *n, struct error *e)
{
	*ids = NULL;
	*n = 0;
	if (len > INT32_MAX / 4)
		return errorf(e, "text of %zu bytes is too long to tokenize at once", len);
	struct tok_out o = {0};
	if (add_bos) {
		if (t->bos < 0)
			return errorf(e, "BOS requested but the vocabulary has none (tokenizer.ggml.bos_token_id)");
		tok_out_push(&o, t->bos);
	}
	struct frags fr;
	partition_specials(t, text, len, parse_special, &fr);
	int prev_special = 1, rc = 0;
	for (size_t i = 0; i < fr.n && rc == 0; i++) {
		const struct frag *f = &fr.v[i];
		if (f->id >= 0) {
			tok_out_push(&o, f->id);
			prev_special = 1;
			continue;
		}
		if (t->model == TOK_MODEL_BPE)
			rc = tok_bpe_encode(t, text + f->start, f->len, &o, e);
		else
			rc = tok_spm_encode(t, text + f->start, f->len, t->add_space_prefix && prev_special, &o, e);
		prev_special = 0;
	}
	free(fr.v);
	if (rc < 0) {
		free(o.ids);
		return -1;
	}
	*ids = o.ids;
	*n = o.n;
	return 0;
}

const char *tokenizer_token_text(const struct tokenizer *t, int32_t id, size_t *len)
{
	if (id < 0 || (size_t)id >= t->n_vocab) {
		*len = 0;
		return NULL;
	}
	return tok_text(t, id, len);
}

int tokenizer_token_type(const struct tokenizer *t, int32_t id)
{
	return id < 0 || (size_t)id >= t->n_vocab ? -1 : t->types[id];
}

int32_t tokenizer_find(const struct tokenizer *t, const char *text)
{
	return tok_lookup(t, text, strlen(text));
}

size_t tokenizer_n_vocab(const struct tokenizer *t) { return t->n_vocab; }
int32_t tokenizer_bos(const struct tokenizer *t) { return t->bos; }
int32_t tokenizer_eos(const struct tokenizer *t) { return t->eos; }
int tokenizer_add_bos(const struct tokenizer *t) { return t->add_bos; }

int tokenizer_is_eog(const struct tokenizer *t, int32_t id)
{
	for (size_t i = 0; i < t->n_eog; i++)
		if (t->eog[i] == id)
			return 1;
	return 0;
}

/* appends a token as id 'text' to buf, printable */
static size_t describe_id(const struct tokenizer *t, int32_t id, char *buf, size_t len)
{
	if (id < 0)
		return (size_t)snprintf(buf, len, "none");
	size_t tl;
	const char *s = tok_text(t, id, &tl);
	return (size_t)snprintf(buf, len, "%d '%.*s'", id, (int)MIN(tl, 40), s);
}

void tokenizer_describe(const struct tokenizer *t, char *buf, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "%s, pre-tokenizer %s, %zu tokens",
	                            t->model == TOK_MODEL_BPE ? "gpt2 (byte-level BPE)" : "llama (SentencePiece)",
	                            t->pre_label, t->n_vocab);
	if (t->model == TOK_MODEL_BPE && k < len)
		k += (size_t)snprintf(buf + k, len - k, ", %zu merges", t->n_merges);
	if (k < len)
		k += (size_t)snprintf(buf + k, len - k, ", bos ");
	if (k < len)
		k += describe_id(t, t->bos, buf + k, len - k);
	if (k < len)
		k += (size_t)snprintf(buf + k, len - k, ", eos ");
	if (k < len)
		k += describe_id(t, t->eos, buf + k, len - k);
	if (k < len)
		snprintf(buf + k, len - k, ", add_bos %d, %zu end-of-generation tokens", t->add_bos, t->n_eog);
}
