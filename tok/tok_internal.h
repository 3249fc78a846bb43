/* tok_internal.h: the tokenizer's representation, shared by tokenizer.c (loading, specials,
 * dispatch), tok_bpe.c, tok_spm.c and tok_decode.c. Not for use outside runtime/tok*.c. */
#ifndef TRIT_TOK_INTERNAL_H
#define TRIT_TOK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tok/pretok.h"
#include "tok/tokenizer.h"

enum tok_model { TOK_MODEL_BPE, TOK_MODEL_SPM };

/* one merge of the BPE table: (left id, right id) -> result id, rank */
struct tok_merge {
	uint64_t key; /* left << 32 | right */
	int32_t rank, result; /* rank -1: an empty slot */
};

struct tokenizer {
	enum tok_model model;
	enum pretok_kind pre;
	char pre_label[64];  /* how the pre-tokenizer was chosen, for tokenizer_describe */
	int ignore_merges;   /* BPE: a whole pre-token that is a vocabulary entry is emitted as is */
	int add_bos, add_space_prefix;

	size_t n_vocab;
	char *text;          /* every token string back to back */
	uint64_t *text_off;  /* n_vocab + 1 offsets into text */
	float *scores;       /* SPM scores (NULL for BPE) */
	uint8_t *types;      /* tok_type per token */

	int32_t *vocab_slots; /* open-addressing hash of token strings -> id; -1 empty */
	size_t vocab_mask;

	struct tok_merge *merges;
	size_t merge_mask, n_merges;

	int32_t byte_token[256]; /* BPE: the token of each byte's mapped character; SPM: <0xXX>; -1 */
	char byte_char[256][2];  /* GPT-2 byte-to-unicode map in UTF-8 */
	uint8_t byte_char_len[256];
	int16_t char_byte[0x144]; /* its inverse for code points below 0x144; -1 elsewhere */

	int32_t bos, eos, unk, eot, eom;
	int32_t *specials;   /* control / user-defined / unknown tokens, longest text first */
	size_t n_specials;
	int32_t *eog;
	size_t n_eog;
};

/* a token's string and length */
static inline const char *tok_text(const struct tokenizer *t, int32_t id, size_t *len)
{
	*len = (size_t)(t->text_off[id + 1] - t->text_off[id]);
	return t->text + t->text_off[id];
}

/* the id of the token whose string is s[0..len), or -1 */
int32_t tok_lookup(const struct tokenizer *t, const char *s, size_t len);

/* the growing output of one encode call */
struct tok_out {
	int32_t *ids;
	size_t n, cap;
};
/* appends one id */
void tok_out_push(struct tok_out *o, int32_t id);

/* encodes one fragment of raw text (no special tokens inside) with byte-level BPE */
int tok_bpe_encode(const struct tokenizer *t, const char *text, size_t len, struct tok_out *o,
                   struct error *e);
/* loads and indexes tokenizer.ggml.merges; fills the byte map and byte tokens */
int tok_bpe_load(struct tokenizer *t, const struct gguf *g, struct error *e);
/* encodes one fragment with the SentencePiece algorithm; prefix_space: put "▁" before it */
int tok_spm_encode(const struct tokenizer *t, const char *text, size_t len, int prefix_space,
                   struct tok_out *o, struct error *e);
/* finds the <0xXX> byte tokens */
void tok_spm_load(struct tokenizer *t);

/* a max-heap of candidate merges of adjacent symbols: best priority first, leftmost on ties */
struct tok_cand {
	double prio;
	uint32_t left, right;
	uint32_t size;          /* bytes covered, to spot stale candidates */
	int32_t id_left, id_right, result;
};
struct tok_heap {
	struct tok_cand *v;
	size_t n, cap;
};
/* adds a candidate */
void tok_heap_push(struct tok_heap *h, const struct tok_cand *c);
/* removes the best candidate into *c; 0 when empty */
int tok_heap_pop(struct tok_heap *h, struct tok_cand *c);

#endif
