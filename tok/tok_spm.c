/* tok_spm.c: SentencePiece-style encoding as llama.cpp does it for "llama" vocabularies: spaces
 * become "▁" (with one put in front when asked), the text starts as single characters, the
 * adjacent pair whose concatenation is the highest-scoring token merges first (leftmost on
 * ties), and a character left without a token falls back to its <0xXX> byte tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok/tok_internal.h"
#include "tok/unicode.h"

static const char space_mark[] = "\xE2\x96\x81"; /* U+2581 ▁ */

void tok_spm_load(struct tokenizer *t)
{
	for (unsigned b = 0; b < 256; b++) {
		char name[8];
		snprintf(name, sizeof(name), "<0x%02X>", b);
		t->byte_token[b] = tok_lookup(t, name, 6);
	}
}

/* a token that text can merge into: normal or user-defined (never control, byte or unused) */
static int32_t piece_id(const struct tokenizer *t, const char *s, size_t len)
{
	int32_t id = tok_lookup(t, s, len);
	if (id < 0 || (t->types[id] != TOK_NORMAL && t->types[id] != TOK_USER_DEFINED))
		return -1;
	return id;
}

struct spm_sym {
	uint32_t start, len; /* bytes of the escaped text; len 0 once merged into its left neighbour */
	int32_t prev, next;
};

struct spm_work {
	const char *s;
	struct spm_sym *syms;
	struct tok_heap heap;
};

static void try_bigram(const struct tokenizer *t, struct spm_work *w, int32_t l, int32_t r)
{
	if (l < 0 || r < 0)
		return;
	uint32_t size = w->syms[l].len + w->syms[r].len;
	int32_t id = piece_id(t, w->s + w->syms[l].start, size);
	if (id < 0)
		return;
	struct tok_cand c = {t->scores[id], (uint32_t)l, (uint32_t)r, size, 0, 0, id};
	tok_heap_push(&w->heap, &c);
}

/* the tokens of one final symbol: itself, or its bytes */
static int emit(const struct tokenizer *t, const char *s, size_t len, struct tok_out *o, struct error *e)
{
	int32_t id = piece_id(t, s, len);
	if (id >= 0) {
		tok_out_push(o, id);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];
		id = t->byte_token[b] >= 0 ? t->byte_token[b] : t->unk;
		if (id < 0)
			return errorf(e, "tokenizer.ggml.tokens: no <0x%02X> byte token and no unknown token, cannot "
			                 "encode byte 0x%02x", b, b);
		tok_out_push(o, id);
	}
	return 0;
}

int tok_spm_encode(const struct tokenizer *t, const char *text, size_t len, int prefix_space,
                   struct tok_out *o, struct error *e)
{
	if (len == 0)
		return 0;
	if (len > (UINT32_MAX - 3) / 3)
		return errorf(e, "text of %zu bytes is too long to tokenize at once", len);
	char *s = xmalloc(3 * len + 3);
	size_t n = 0;
	if (prefix_space) {
		memcpy(s, space_mark, 3);
		n = 3;
	}
	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ') {
			memcpy(s + n, space_mark, 3);
			n += 3;
		} else {
			s[n++] = text[i];
		}
	}
	struct spm_work w = {s, xmalloc(n * sizeof(*w.syms)), {0}};
	int32_t ns = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		w.syms[ns] = (struct spm_sym){(uint32_t)i, (uint32_t)k, ns - 1, -1};
		if (ns > 0)
			w.syms[ns - 1].next = ns;
		ns++;
		i += k;
	}
	for (int32_t i = 0; i + 1 < ns; i++)
		try_bigram(t, &w, i, i + 1);
	struct tok_cand c;
	while (tok_heap_pop(&w.heap, &c)) {
		struct spm_sym *l = &w.syms[c.left], *r = &w.syms[c.right];
		if (l->len == 0 || r->len == 0 || l->next != (int32_t)c.right || l->len + r->len != c.size)
			continue; /* stale: one side has merged since */
		l->len += r->len;
		r->len = 0;
		l->next = r->next;
		if (r->next >= 0)
			w.syms[r->next].prev = (int32_t)c.left;
		try_bigram(t, &w, l->prev, (int32_t)c.left);
		try_bigram(t, &w, (int32_t)c.left, l->next);
	}
	int rc = 0;
	for (int32_t i = 0; i >= 0 && rc == 0; i = w.syms[i].next)
		rc = emit(t, s + w.syms[i].start, w.syms[i].len, o, e);
	free(w.syms);
	free(w.heap.v);
	free(s);
	return rc;
}
