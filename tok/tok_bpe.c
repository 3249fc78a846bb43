/* tok_bpe.c: byte-level BPE. Text is cut by the pre-tokenizer; each piece's bytes become
 * symbols (the token of each byte's GPT-2 mapped character); adjacent pairs are merged lowest
 * rank first (leftmost on ties) through a heap, so long pieces cost O(n log n). */
#include <stdlib.h>
#include <string.h>

#include "tok/tok_internal.h"
#include "tok/unicode.h"

#define KEY_MERGES "tokenizer.ggml.merges"

/* the better candidate: higher priority, then the leftmost */
static int cand_better(const struct tok_cand *a, const struct tok_cand *b)
{
	return a->prio > b->prio || (a->prio == b->prio && a->left < b->left);
}

void tok_heap_push(struct tok_heap *h, const struct tok_cand *c)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	size_t i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!cand_better(c, &h->v[p]))
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = *c;
}

int tok_heap_pop(struct tok_heap *h, struct tok_cand *c)
{
	if (h->n == 0)
		return 0;
	*c = h->v[0];
	struct tok_cand last = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t k = 2 * i + 1;
		if (k >= h->n)
			break;
		if (k + 1 < h->n && cand_better(&h->v[k + 1], &h->v[k]))
			k++;
		if (!cand_better(&h->v[k], &last))
			break;
		h->v[i] = h->v[k];
		i = k;
	}
	if (h->n)
		h->v[i] = last;
	return 1;
}

static size_t merge_slot(const struct tokenizer *t, uint64_t key)
{
	uint64_t h = (key ^ (key >> 29)) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 17) & t->merge_mask;
}

static const struct tok_merge *find_merge(const struct tokenizer *t, int32_t a, int32_t b)
{
	uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
	for (size_t i = merge_slot(t, key);; i = (i + 1) & t->merge_mask) {
		const struct tok_merge *m = &t->merges[i];
		if (m->rank < 0)
			return NULL;
		if (m->key == key)
			return m;
	}
}

/* the GPT-2 byte-to-unicode map: printable Latin-1 bytes stand for themselves, the other 68
 * bytes in order take U+0100 onwards */
static void build_byte_map(struct tokenizer *t)
{
	uint32_t next = 0x100;
	for (size_t i = 0; i < COUNTOF(t->char_byte); i++)
		t->char_byte[i] = -1;
	for (unsigned b = 0; b < 256; b++) {
		int keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
		uint32_t cp = keep ? b : next++;
		t->byte_char_len[b] = (uint8_t)utf8_encode(cp, t->byte_char[b]);
		t->char_byte[cp] = (int16_t)b;
		t->byte_token[b] = tok_lookup(t, t->byte_char[b], t->byte_char_len[b]);
	}
}

static int bad_merge(struct error *e, size_t i, struct gguf_str s, const char *why, const char *part,
                     size_t plen)
{
	return errorf(e, "%s: entry %zu '%.*s': %s%.*s%s", KEY_MERGES, i, (int)MIN(s.len, 80), s.ptr, why,
	              (int)MIN(plen, 80), part, plen ? "' is not in the vocabulary" : "");
}

int tok_bpe_load(struct tokenizer *t, const struct gguf *g, struct error *e)
{
	build_byte_map(t);
	const struct gguf_kv *kv = gguf_find_kv(g, KEY_MERGES);
	if (!kv)
		return errorf(e, "%s: missing (a gpt2 vocabulary needs its merges)", KEY_MERGES);
	if (kv->type != GGUF_ARRAY || kv->arr_type != GGUF_STRING)
		return errorf(e, "%s: must be an array of strings", KEY_MERGES);
	if (kv->count > INT32_MAX)
		return errorf(e, "%s: too many merges", KEY_MERGES);
	size_t cap = 64;
	while (cap < 2 * (size_t)kv->count)
		cap *= 2;
	t->merge_mask = cap - 1;
	t->merges = xmalloc(cap * sizeof(*t->merges));
	for (size_t i = 0; i < cap; i++)
		t->merges[i].rank = -1;
	size_t buf_cap = 256;
	char *buf = xmalloc(buf_cap);
	int rc = 0;
	for (size_t i = 0; i < kv->count; i++) {
		struct gguf_str s = gguf_arr_str(kv, i);
		size_t len = (size_t)s.len, sp = 1;
		/* the first space at index >= 1, so a left part that is itself a space still works */
		while (sp < len && s.ptr[sp] != ' ')
			sp++;
		if (sp >= len) {
			rc = bad_merge(e, i, s, "no space separates its two parts", "", 0);
			break;
		}
		int32_t a = tok_lookup(t, s.ptr, sp), b = tok_lookup(t, s.ptr + sp + 1, len - sp - 1);
		if (a < 0 || b < 0) {
			rc = a < 0 ? bad_merge(e, i, s, "'", s.ptr, sp)
			           : bad_merge(e, i, s, "'", s.ptr + sp + 1, len - sp - 1);
			break;
		}
		if (len > buf_cap) {
			buf_cap = 2 * len;
			buf = xrealloc(buf, buf_cap);
		}
		memcpy(buf, s.ptr, sp);
		memcpy(buf + sp, s.ptr + sp + 1, len - sp - 1);
		int32_t r = tok_lookup(t, buf, len - 1);
		if (r < 0) {
			rc = bad_merge(e, i, s, "the merged token '", buf, len - 1);
			break;
		}
		uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
		size_t k = merge_slot(t, key);
		while (t->merges[k].rank >= 0 && t->merges[k].key != key)
			k = (k + 1) & t->merge_mask;
		if (t->merges[k].rank < 0) /* a repeated pair keeps its first (lowest) rank */
			t->merges[k] = (struct tok_merge){key, (int32_t)i, r};
	}
	free(buf);
	t->n_merges = (size_t)kv->count;
	return rc;
}

struct sym {
	int32_t id; /* -1 once merged into its left neighbour */
	int32_t prev, next;
};

struct bpe_work {
	struct sym *syms;
	size_t cap;
	struct tok_heap heap;
	char *mapped;
	size_t mapped_cap;
};

static void try_pair(const struct tokenizer *t, struct bpe_work *w, int32_t l, int32_t r)
{
	if (l < 0 || r < 0)
		return;
	const struct tok_merge *m = find_merge(t, w->syms[l].id, w->syms[r].id);
	if (!m)
		return;
	struct tok_cand c = {-(double)m->rank, (uint32_t)l, (uint32_t)r, 0, w->syms[l].id, w->syms[r].id,
	                     m->result};
	tok_heap_push(&w->heap, &c);
}

/* the whole piece as one token when it is a vocabulary entry (Llama-3's ignore_merges) */
static int32_t whole_word(const struct tokenizer *t, struct bpe_work *w, const unsigned char *s,
                          size_t len)
{
	if (2 * len > w->mapped_cap) {
		w->mapped_cap = 4 * len;
		w->mapped = xrealloc(w->mapped, w->mapped_cap);
	}
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		memcpy(w->mapped + k, t->byte_char[s[i]], t->byte_char_len[s[i]]);
		k += t->byte_char_len[s[i]];
	}
	int32_t id = tok_lookup(t, w->mapped, k);
	return id >= 0 && t->types[id] == TOK_NORMAL ? id : -1;
}

static int bpe_word(const struct tokenizer *t, struct bpe_work *w, const unsigned char *s, size_t len,
                    struct tok_out *o, struct error *e)
{
	if (t->ignore_merges && len > 1) {
		int32_t id = whole_word(t, w, s, len);
		if (id >= 0) {
			tok_out_push(o, id);
			return 0;
		}
	}
	if (len > w->cap) {
		w->cap = 2 * len;
		w->syms = xrealloc(w->syms, w->cap * sizeof(*w->syms));
	}
	for (size_t i = 0; i < len; i++) {
		int32_t id = t->byte_token[s[i]];
		if (id < 0)
			return errorf(e, "tokenizer.ggml.tokens: no token for byte 0x%02x ('%.*s'), cannot encode it",
			              s[i], (int)t->byte_char_len[s[i]], t->byte_char[s[i]]);
		w->syms[i] = (struct sym){id, (int32_t)i - 1, i + 1 < len ? (int32_t)i + 1 : -1};
	}
	w->heap.n = 0;
	for (size_t i = 0; i + 1 < len; i++)
		try_pair(t, w, (int32_t)i, (int32_t)i + 1);
	struct tok_cand c;
	while (tok_heap_pop(&w->heap, &c)) {
		struct sym *l = &w->syms[c.left], *r = &w->syms[c.right];
		if (l->id != c.id_left || r->id != c.id_right || l->next != (int32_t)c.right)
			continue; /* stale: one side has merged since */
		l->id = c.result;
		l->next = r->next;
		if (r->next >= 0)
			w->syms[r->next].prev = (int32_t)c.left;
		r->id = -1;
		try_pair(t, w, l->prev, (int32_t)c.left);
		try_pair(t, w, (int32_t)c.left, l->next);
	}
	for (int32_t i = 0; i >= 0; i = w->syms[i].next)
		tok_out_push(o, w->syms[i].id);
	return 0;
}

int tok_bpe_encode(const struct tokenizer *t, const char *text, size_t len, struct tok_out *o,
                   struct error *e)
{
	struct pretok_span *spans;
	size_t n;
	pretok_split(t->pre, text, len, &spans, &n);
	struct bpe_work w = {0};
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = bpe_word(t, &w, (const unsigned char *)text + spans[i].start, spans[i].end - spans[i].start, o,
		              e);
	free(spans);
	free(w.syms);
	free(w.heap.v);
	free(w.mapped);
	return rc;
}
