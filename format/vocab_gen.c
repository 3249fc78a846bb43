/* vocab_gen.c: synthetic gpt2 (byte-level BPE) and llama (SentencePiece-style) vocabularies.
 * Merges are learned greedily (most frequent adjacent pair first) from a built-in text; when the
 * text is exhausted, new tokens are concatenations of existing ones, so every merge "A B" has A,
 * B and AB in the vocabulary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/vocab_gen.h"

static const char training_text[] =
	"The quick brown fox jumps over the lazy dog. A small model is a good model for tests, "
	"because it runs in a moment and its numbers can be checked by hand. The weights of this "
	"model are random: it knows nothing, and it will say nothing that makes sense. Still, its "
	"tokenizer should split words the way a real one does, so that the text it reads and writes "
	"looks like the text a person would type.\n\n"
	"Once upon a time there was a little town by the sea. The people of the town went out in "
	"their boats every morning, and they came back every evening with fish, stories and songs. "
	"The children played on the sand, and the old men sat in the sun and talked about the "
	"weather, the prices at the market, and the ships they had seen when they were young.\n"
	"In 2024 there were 365 days, 12 months and 52 weeks; in 1999 the numbers were the same. "
	"What is 7 times 8? It is 56. What is 100 minus 1? It is 99! Do you think so? I don't know; "
	"we'll see. They're here, you've said, and it's late.\n"
	"Questions, answers and comments: please write them below (one per line).\n"
	"Hello, world! Hello again, world. This is the end of the text; thank you for reading it.\n";

/* a string -> id hash set over the token table */
struct strset {
	int32_t *slot; /* id + 1, 0 = empty */
	uint32_t mask;
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

struct builder {
	struct vocab *v;
	int32_t cap;
	struct strset set;
	int32_t *merges_cap;
	int32_t merge_cap;
};

static int32_t set_find(const struct builder *b, const char *s)
{
	for (uint32_t i = hash_str(s) & b->set.mask;; i = (i + 1) & b->set.mask) {
		int32_t id = b->set.slot[i] - 1;
		if (id < 0)
			return -1;
		if (!strcmp(b->v->tokens[id], s))
			return id;
	}
}

/* appends a token (taking ownership of s); the caller ensures it is new and there is room */
static int32_t add_token(struct builder *b, char *s, float score, int32_t type)
{
	struct vocab *v = b->v;
	int32_t id = v->n++;
	v->tokens[id] = s;
	v->scores[id] = score;
	v->types[id] = type;
	uint32_t i = hash_str(s) & b->set.mask;
	while (b->set.slot[i])
		i = (i + 1) & b->set.mask;
	b->set.slot[i] = id + 1;
	return id;
}

static void add_merge(struct builder *b, const char *l, const char *r)
{
	struct vocab *v = b->v;
	if (v->n_merges == b->merge_cap) {
		b->merge_cap = b->merge_cap ? 2 * b->merge_cap : 1024;
		v->merges = xrealloc(v->merges, (size_t)b->merge_cap * sizeof(*v->merges));
	}
	size_t nl = strlen(l), nr = strlen(r);
	char *m = xmalloc(nl + nr + 2);
	memcpy(m, l, nl);
	m[nl] = ' ';
	memcpy(m + nl + 1, r, nr + 1);
	v->merges[v->n_merges++] = m;
}

static char *concat(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = xmalloc(na + nb + 1);
	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	return s;
}

static void builder_init(struct builder *b, struct vocab *v, int32_t n)
{
	memset(v, 0, sizeof(*v));
	v->bos = v->eos = v->eot = v->unk = -1;
	v->tokens = xcalloc((size_t)n, sizeof(*v->tokens));
	v->scores = xcalloc((size_t)n, sizeof(*v->scores));
	v->types = xcalloc((size_t)n, sizeof(*v->types));
	memset(b, 0, sizeof(*b));
	b->v = v;
	b->cap = n;
	uint32_t size = 1024;
	while (size < 2u * (uint32_t)n)
		size *= 2;
	b->set.slot = xcalloc(size, sizeof(*b->set.slot));
	b->set.mask = size - 1;
}

/* words of the training text as token-id sequences; -1 separates words */
struct words {
	int32_t *sym;
	int n;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* greedy BPE: merges the most frequent adjacent pair (ties: lowest ids) until the vocabulary
 * holds `limit` tokens or no pair is left; new tokens get score(rank) and type NORMAL */
static void learn_merges(struct builder *b, struct words *w, int32_t limit, int record_merges, float score_base)
{
	uint64_t *pairs = xmalloc((size_t)(w->n + 1) * sizeof(*pairs));
	while (b->v->n < limit) {
		int np = 0;
		for (int i = 0; i + 1 < w->n; i++)
			if (w->sym[i] >= 0 && w->sym[i + 1] >= 0)
				pairs[np++] = (uint64_t)w->sym[i] << 32 | (uint32_t)w->sym[i + 1];
		if (np == 0)
			break;
		qsort(pairs, (size_t)np, sizeof(*pairs), cmp_u64);
		uint64_t best = pairs[0];
		int best_count = 0;
		for (int i = 0; i < np;) {
			int j = i;
			while (j < np && pairs[j] == pairs[i])
				j++;
			if (j - i > best_count)
				best_count = j - i, best = pairs[i];
			i = j;
		}
		int32_t l = (int32_t)(best >> 32), r = (int32_t)(uint32_t)best;
		char *s = concat(b->v->tokens[l], b->v->tokens[r]);
		int32_t id = set_find(b, s);
		if (id < 0)
			id = add_token(b, s, score_base - (float)b->v->n, TOKEN_NORMAL);
		else
			free(s);
		if (record_merges)
			add_merge(b, b->v->tokens[l], b->v->tokens[r]);
		int o = 0;
		for (int i = 0; i < w->n; i++) {
			if (i + 1 < w->n && w->sym[i] == l && w->sym[i + 1] == r) {
				w->sym[o++] = id;
				i++;
			} else {
				w->sym[o++] = w->sym[i];
			}
		}
		w->n = o;
	}
	free(pairs);
}

/* fills up to `limit` tokens with concatenations of existing tokens and the learned ones */
static void fill_concat(struct builder *b, int32_t first_learned, int32_t limit, int record_merges,
                        float score_base)
{
	int32_t nbase = b->v->n - first_learned;
	if (nbase <= 0)
		return;
	for (int32_t i = first_learned; b->v->n < limit && i < b->v->n; i++)
		for (int32_t j = 0; j < nbase && b->v->n < limit; j++) {
			int32_t r = first_learned + j;
			char *s = concat(b->v->tokens[i], b->v->tokens[r]);
			if (set_find(b, s) >= 0) {
				free(s);
				continue;
			}
			add_token(b, s, score_base - (float)b->v->n, TOKEN_NORMAL);
			if (record_merges)
				add_merge(b, b->v->tokens[i], b->v->tokens[r]);
		}
}

/* GPT-2's byte order of the first 256 tokens: printable bytes first, the others after */
static int byte_printable(int c) { return (c >= 0x21 && c <= 0x7e) || (c >= 0xa1 && c <= 0xac) || (c >= 0xae); }

void gpt2_byte_char(uint8_t b, char *buf)
{
	uint32_t cp = b;
	if (!byte_printable(b)) {
		cp = 256;
		for (int c = 0; c < b; c++)
			cp += !byte_printable(c);
	}
	if (cp < 0x80) {
		buf[0] = (char)cp;
		buf[1] = 0;
	} else {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		buf[2] = 0;
	}
}

static int is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\''; }

/* a coarse pre-tokenization: a run of letters with an optional leading space, a run of
 * digits, or single other characters (a leading space attaches to the next word) */
static int next_word(const char *t, int i, int *end)
{
	int j = i;
	if (t[j] == ' ' && t[j + 1] && t[j + 1] != ' ' && t[j + 1] != '\n')
		j++;
	if (is_letter(t[j]))
		while (is_letter(t[j]))
			j++;
	else if (t[j] >= '0' && t[j] <= '9')
		while (t[j] >= '0' && t[j] <= '9')
			j++;
	else
		j++;
	*end = j;
	return i;
}

static const char *const gpt2_specials[] = {"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>",
                                            "<|start_header_id|>", "<|end_header_id|>"};

int vocab_gen_gpt2(struct vocab *v, int32_t n, struct error *e)
{
	if (n < VOCAB_GPT2_MIN)
		return errorf(e, "a gpt2 vocabulary needs at least %d tokens (256 bytes + 5 specials), got %d",
		              VOCAB_GPT2_MIN, n);
	struct builder b;
	builder_init(&b, v, n);
	int32_t byte_id[256];
	for (int pass = 0; pass < 2; pass++)
		for (int c = 0; c < 256; c++)
			if (byte_printable(c) == !pass) {
				char buf[4];
				gpt2_byte_char((uint8_t)c, buf);
				byte_id[c] = add_token(&b, xstrdup(buf), 0.0f, TOKEN_NORMAL);
			}
	struct words w = {xmalloc(sizeof(training_text) * 2 * sizeof(int32_t)), 0};
	for (int i = 0, end; training_text[i]; i = end) {
		next_word(training_text, i, &end);
		for (int k = i; k < end; k++)
			w.sym[w.n++] = byte_id[(uint8_t)training_text[k]];
		w.sym[w.n++] = -1;
	}
	int32_t limit = n - (int32_t)COUNTOF(gpt2_specials);
	learn_merges(&b, &w, limit, 1, 0.0f);
	fill_concat(&b, 256, limit, 1, 0.0f);
	for (int32_t i = 0; i < v->n; i++)
		v->scores[i] = 0.0f; /* real Llama-3 files: 0 for BPE tokens */
	free(w.sym);
	/* pad with reserved tokens if even concatenation could not fill (never for sane sizes) */
	for (int i = 0; v->n < limit; i++) {
		char buf[48];
		snprintf(buf, sizeof(buf), "<|reserved_special_token_%d|>", i);
		add_token(&b, xstrdup(buf), -1000.0f, TOKEN_CONTROL);
	}
	for (size_t i = 0; i < COUNTOF(gpt2_specials); i++)
		add_token(&b, xstrdup(gpt2_specials[i]), -1000.0f, TOKEN_CONTROL);
	v->bos = limit;
	v->eos = limit + 1;
	v->eot = limit + 2;
	free(b.set.slot);
	return 0;
}

/* "▁" U+2581, SentencePiece's word-boundary mark */
#define SPM_SPACE "\xe2\x96\x81"

/* length of the UTF-8 character at s */
static int utf8_len(const char *s)
{
	uint8_t c = (uint8_t)*s;
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

int vocab_gen_spm(struct vocab *v, int32_t n, struct error *e)
{
	if (n < VOCAB_SPM_MIN)
		return errorf(e, "a llama (SentencePiece) vocabulary needs at least %d tokens, got %d", VOCAB_SPM_MIN, n);
	struct builder b;
	builder_init(&b, v, n);
	v->unk = add_token(&b, xstrdup("<unk>"), 0.0f, TOKEN_UNKNOWN);
	v->bos = add_token(&b, xstrdup("<s>"), 0.0f, TOKEN_CONTROL);
	v->eos = add_token(&b, xstrdup("</s>"), 0.0f, TOKEN_CONTROL);
	for (int c = 0; c < 256; c++) {
		char buf[8];
		snprintf(buf, sizeof(buf), "<0x%02X>", c);
		add_token(&b, xstrdup(buf), 0.0f, TOKEN_BYTE);
	}
	/* the text with spaces as '▁' and a leading '▁', as SentencePiece normalizes it */
	size_t tl = strlen(training_text);
	char *text = xmalloc(3 * tl + 4);
	size_t o = 0;
	memcpy(text, SPM_SPACE, 3);
	o = 3;
	for (size_t i = 0; i < tl; i++) {
		if (training_text[i] == ' ') {
			memcpy(text + o, SPM_SPACE, 3);
			o += 3;
		} else {
			text[o++] = training_text[i];
		}
	}
	text[o] = 0;
	int32_t first_piece = v->n;
	/* single characters, in order of first appearance (newlines stay byte-fallback) */
	struct words w = {xmalloc((o + 1) * 2 * sizeof(int32_t)), 0};
	for (size_t i = 0; i < o;) {
		int len = utf8_len(text + i);
		if (i + (size_t)len > o)
			len = (int)(o - i);
		if (!memcmp(text + i, SPM_SPACE, 3) && i > 0)
			w.sym[w.n++] = -1; /* a word starts at each '▁' */
		char ch[8];
		memcpy(ch, text + i, (size_t)len);
		ch[len] = 0;
		int32_t id = text[i] == '\n' ? -1 : set_find(&b, ch);
		if (id < 0 && text[i] != '\n' && v->n < n)
			id = add_token(&b, xstrdup(ch), 0.0f, TOKEN_NORMAL);
		w.sym[w.n++] = id; /* -1 (a break) when the vocabulary was too small for this character */
		i += (size_t)len;
	}
	int32_t first_merged = v->n;
	learn_merges(&b, &w, n, 0, 0.0f);
	fill_concat(&b, first_piece, n, 0, 0.0f);
	/* scores rank merged pieces: earlier (more frequent) pieces score higher; single characters
	 * score lowest (they are never the result of a merge, so their score is never compared) */
	for (int32_t i = first_piece; i < v->n; i++)
		v->scores[i] = i < first_merged ? -1e6f : -(float)(i - first_merged);
	for (int i = 0; v->n < n; i++) {
		char buf[32];
		snprintf(buf, sizeof(buf), "<unused%d>", i);
		add_token(&b, xstrdup(buf), 0.0f, TOKEN_UNUSED);
	}
	free(w.sym);
	free(text);
	free(b.set.slot);
	return 0;
}

void vocab_free(struct vocab *v)
{
	for (int32_t i = 0; i < v->n; i++)
		free(v->tokens[i]);
	for (int32_t i = 0; i < v->n_merges; i++)
		free(v->merges[i]);
	free(v->tokens);
	free(v->scores);
	free(v->types);
	free(v->merges);
	memset(v, 0, sizeof(*v));
}
