/* vocab_gen.h: synthetic tokenizer vocabularies for generated test models: byte-level BPE
 * ("gpt2": 256 byte tokens, merges learned from a small built-in English text, Llama-3 special
 * tokens at the end) and SentencePiece-style ("llama": <unk> <s> </s>, 256 byte tokens, scored
 * pieces with '▁' word prefixes). Same size, same vocabulary: generation is deterministic. */
#ifndef TRIT_VOCAB_GEN_H
#define TRIT_VOCAB_GEN_H

#include <stdint.h>

#include "base/util.h"

/* GGUF tokenizer.ggml.token_type values */
enum { TOKEN_NORMAL = 1, TOKEN_UNKNOWN = 2, TOKEN_CONTROL = 3, TOKEN_USER = 4, TOKEN_UNUSED = 5, TOKEN_BYTE = 6 };

struct vocab {
	int32_t n;      /* tokens */
	char **tokens;  /* n NUL-terminated strings (GPT-2 byte-mapped form for gpt2) */
	float *scores;  /* n */
	int32_t *types; /* n, TOKEN_* */
	int32_t n_merges;
	char **merges;  /* "A B" strings, rank = index (gpt2 only) */
	int32_t bos, eos, eot, unk; /* -1 when the vocabulary has none */
};

/* the smallest vocabulary size each generator accepts */
#define VOCAB_GPT2_MIN 261
#define VOCAB_SPM_MIN 260

/* builds a byte-level BPE vocabulary of exactly n tokens; -1 when n is below VOCAB_GPT2_MIN */
int vocab_gen_gpt2(struct vocab *v, int32_t n, struct error *e);
/* builds a SentencePiece-style vocabulary of exactly n tokens; -1 when n is below VOCAB_SPM_MIN */
int vocab_gen_spm(struct vocab *v, int32_t n, struct error *e);
/* frees a generated vocabulary */
void vocab_free(struct vocab *v);
/* the UTF-8 string GPT-2's byte-to-unicode map gives byte b (into buf, at least 3 bytes) */
void gpt2_byte_char(uint8_t b, char *buf);

#endif
