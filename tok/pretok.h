/* pretok.h: the pre-tokenizers of byte-level BPE vocabularies: they cut text into the pieces that
 * BPE then merges within. Invalid UTF-8 bytes count as single characters of no category. */
#ifndef TRIT_PRETOK_H
#define TRIT_PRETOK_H

#include <stddef.h>

enum pretok_kind {
	PRETOK_LLAMA3,  /* the Llama-3 regex, read as llama.cpp's hand-written matcher does */
	PRETOK_GPT2,    /* the GPT-2 regex */
	PRETOK_DEFAULT, /* llama.cpp's default sequence: punctuation runs, GPT-2, numbers, 3 ASCII digits */
};

/* one piece: bytes [start, end) of the text */
struct pretok_span {
	size_t start, end;
};

/* splits len bytes of text into consecutive non-empty pieces covering all of it; *spans is
 * malloc'd (NULL when len is 0) and holds *n pieces */
void pretok_split(enum pretok_kind kind, const char *text, size_t len, struct pretok_span **spans,
                  size_t *n);
/* the pre-tokenizer's name as tokenizer.ggml.pre spells it ("llama-bpe", "gpt-2", "default") */
const char *pretok_name(enum pretok_kind kind);

#endif
