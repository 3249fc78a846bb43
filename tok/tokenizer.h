/* tokenizer.h: the tokenizers stored in GGUF files: byte-level BPE (tokenizer.ggml.model "gpt2",
 * Llama-3 / GPT-2 / llama.cpp-default pre-tokenizers, merges by rank) and SentencePiece-style
 * ("llama": merges by score, "▁" for spaces, <0xXX> byte fallback). Special tokens, BOS/EOS/EOG,
 * and a streaming decoder that holds back UTF-8 characters split across tokens. */
#ifndef TRIT_TOKENIZER_H
#define TRIT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "format/gguf.h"

/* tokenizer.ggml.token_type values */
enum tok_type {
	TOK_UNDEFINED = 0,
	TOK_NORMAL = 1,
	TOK_UNKNOWN = 2,
	TOK_CONTROL = 3,
	TOK_USER_DEFINED = 4,
	TOK_UNUSED = 5,
	TOK_BYTE = 6,
};

struct tokenizer;

/* builds the tokenizer described by g's tokenizer.ggml.* keys (copies what it needs: g may be
 * closed afterwards); NULL and e naming the key on a missing or malformed vocabulary */
struct tokenizer *tokenizer_load(const struct gguf *g, struct error *e);
/* frees t (NULL is fine) */
void tokenizer_free(struct tokenizer *t);
/* overrides a BPE tokenizer's pre-tokenizer by its tokenizer.ggml.pre name (e.g. "default" for
 * bit-exact parity with bitnet.cpp on files that lack the key) */
int tokenizer_set_pre(struct tokenizer *t, const char *name, struct error *e);

/* tokenizes len bytes of text (any bytes, NULs and invalid UTF-8 included) into *ids (malloc'd,
 * *n entries; NULL when empty); add_bos prepends BOS; parse_special turns the text of control
 * tokens into their ids (user-defined tokens are always matched, as llama.cpp does) */
int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, int add_bos,
                     int parse_special, int32_t **ids, size_t *n, struct error *e);

/* the bytes token id stands for in decoded text (nothing for control tokens); writes at most len
 * of them to buf and returns the full count (0 for an id out of range) */
size_t tokenizer_token_bytes(const struct tokenizer *t, int32_t id, char *buf, size_t len);
/* the token's string as stored in the vocabulary (not NUL-terminated; *len its length), or NULL */
const char *tokenizer_token_text(const struct tokenizer *t, int32_t id, size_t *len);
/* the token's tok_type, or -1 for an id out of range */
int tokenizer_token_type(const struct tokenizer *t, int32_t id);
/* the id of the token whose stored string is text, or -1 */
int32_t tokenizer_find(const struct tokenizer *t, const char *text);

/* number of tokens in the vocabulary */
size_t tokenizer_n_vocab(const struct tokenizer *t);
/* BOS / EOS ids, or -1 when the vocabulary has none */
int32_t tokenizer_bos(const struct tokenizer *t);
int32_t tokenizer_eos(const struct tokenizer *t);
/* 1 when the model wants BOS prepended (tokenizer.ggml.add_bos_token, else the model's default) */
int tokenizer_add_bos(const struct tokenizer *t);
/* 1 when id ends generation: EOS, EOT, EOM and the tokens llama.cpp recognises by name
 * (<|eot_id|>, <|eom_id|>, <|im_end|>, <|end|>, <end_of_turn>, <|endoftext|>, <EOT>) */
int tokenizer_is_eog(const struct tokenizer *t, int32_t id);
/* a one-line summary for `trit info`: model, pre-tokenizer, vocab and merge counts, bos/eos */
void tokenizer_describe(const struct tokenizer *t, char *buf, size_t len);

/* decoding flags */
enum {
	TOK_DECODE_SPECIAL = 1,      /* render control tokens as their text */
	TOK_DECODE_STRIP_PREFIX = 2, /* drop the space a SentencePiece encoder put before the text */
};

struct tok_decoder;
/* a streaming decoder for t (which must outlive it) */
struct tok_decoder *tok_decoder_new(const struct tokenizer *t, unsigned flags);
/* frees d (NULL is fine) */
void tok_decoder_free(struct tok_decoder *d);
/* the text that token id completes (*len bytes, valid until the next call); the bytes of a UTF-8
 * character split across tokens are held back until it is complete or proves invalid */
const char *tok_decoder_push(struct tok_decoder *d, int32_t id, size_t *len);
/* whatever is still held back (an incomplete character at the end); resets d for a new text */
const char *tok_decoder_flush(struct tok_decoder *d, size_t *len);
/* decodes a whole sequence into a malloc'd NUL-terminated string of *len bytes */
char *tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n, unsigned flags,
                       size_t *len);

#endif
