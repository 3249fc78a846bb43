/* tok_decode.c: token ids back to bytes. BPE normal tokens go through the inverse GPT-2 byte
 * map, SentencePiece ones turn "▁" into spaces and <0xXX> tokens into their byte; user-defined
 * tokens are their text; control tokens are nothing unless asked for. The streaming decoder
 * holds back the start of a UTF-8 character until the token that completes it arrives. */
#include <stdlib.h>
#include <string.h>

#include "tok/tok_internal.h"
#include "tok/unicode.h"

struct tok_decoder {
	const struct tokenizer *t;
	unsigned flags;
	int at_start;         /* no byte produced yet (for TOK_DECODE_STRIP_PREFIX) */
	char *buf;
	size_t cap, emitted, held; /* buf[emitted, emitted+held) waits for the next token */
};

/* copies n bytes to buf at k when they fit; returns the new length either way */
static size_t put(char *buf, size_t len, size_t k, const void *s, size_t n)
{
	if (k < len)
		memcpy(buf + k, s, MIN(n, len - k));
	return k + n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static size_t bpe_normal(const struct tokenizer *t, const char *s, size_t n, char *buf, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t c = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (cp < COUNTOF(t->char_byte) && t->char_byte[cp] >= 0) {
			char b = (char)t->char_byte[cp];
			k = put(buf, len, k, &b, 1);
		} else {
			k = put(buf, len, k, s + i, c); /* not from the byte map: as stored */
		}
		i += c;
	}
	return k;
}

static size_t spm_normal(const char *s, size_t n, char *buf, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		if (n - i >= 3 && memcmp(s + i, "\xE2\x96\x81", 3) == 0) {
			k = put(buf, len, k, " ", 1);
			i += 3;
		} else {
			k = put(buf, len, k, s + i, 1);
			i++;
		}
	}
	return k;
}

static size_t token_piece(const struct tokenizer *t, int32_t id, int special, char *buf, size_t len)
{
	if (id < 0 || (size_t)id >= t->n_vocab)
		return 0;
	size_t n;
	const char *s = tok_text(t, id, &n);
	switch (t->types[id]) {
	case TOK_NORMAL:
		return t->model == TOK_MODEL_BPE ? bpe_normal(t, s, n, buf, len) : spm_normal(s, n, buf, len);
	case TOK_USER_DEFINED:
		return put(buf, len, 0, s, n);
	case TOK_CONTROL:
		return special ? put(buf, len, 0, s, n) : 0;
	case TOK_UNKNOWN:
		/* llama.cpp shows SentencePiece's unknown token as U+2585 */
		return t->model == TOK_MODEL_SPM ? put(buf, len, 0, "\xE2\x96\x85", 3) : 0;
	case TOK_BYTE:
		if (t->model == TOK_MODEL_BPE)
			return bpe_normal(t, s, n, buf, len);
		if (n == 6 && memcmp(s, "<0x", 3) == 0 && s[5] == '>' && hexval(s[3]) >= 0 && hexval(s[4]) >= 0) {
			char b = (char)(hexval(s[3]) << 4 | hexval(s[4]));
			return put(buf, len, 0, &b, 1);
		}
		return put(buf, len, 0, s, n);
	default:
		return 0; /* undefined, unused */
	}
}

size_t tokenizer_token_bytes(const struct tokenizer *t, int32_t id, char *buf, size_t len)
{
	return token_piece(t, id, 0, buf, len);
}

struct tok_decoder *tok_decoder_new(const struct tokenizer *t, unsigned flags)
{
	struct tok_decoder *d = xcalloc(1, sizeof(*d));
	d->t = t;
	d->flags = flags;
	d->at_start = 1;
	return d;
}

void tok_decoder_free(struct tok_decoder *d)
{
	if (!d)
		return;
	free(d->buf);
	free(d);
}

/* how many bytes at the end of s[0..n) begin a UTF-8 character that is not complete yet */
static size_t incomplete_tail(const unsigned char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		unsigned char b = s[n - k];
		if ((b & 0xC0) == 0x80)
			continue;
		size_t need = utf8_seq_len(b);
		if (need <= k)
			return 0;
		if (k >= 2) { /* the second byte's range must still allow a valid character */
			unsigned char c = s[n - k + 1];
			if ((b == 0xE0 && c < 0xA0) || (b == 0xED && c > 0x9F) || (b == 0xF0 && c < 0x90) ||
			    (b == 0xF4 && c > 0x8F))
				return 0;
		}
		return k;
	}
	return 0;
}

const char *tok_decoder_push(struct tok_decoder *d, int32_t id, size_t *len)
{
	if (d->held)
		memmove(d->buf, d->buf + d->emitted, d->held);
	size_t k = d->held;
	int special = (d->flags & TOK_DECODE_SPECIAL) != 0;
	size_t n = token_piece(d->t, id, special, NULL, 0);
	if (k + n > d->cap) {
		d->cap = 2 * (k + n) + 16;
		d->buf = xrealloc(d->buf, d->cap);
	}
	token_piece(d->t, id, special, d->buf + k, n);
	k += n;
	size_t skip = 0;
	if (n && d->at_start) {
		d->at_start = 0;
		if ((d->flags & TOK_DECODE_STRIP_PREFIX) && d->t->model == TOK_MODEL_SPM && d->t->add_space_prefix &&
		    d->buf[0] == ' ')
			skip = 1;
	}
	d->held = incomplete_tail((const unsigned char *)d->buf + skip, k - skip);
	d->emitted = k - d->held;
	*len = d->emitted - skip;
	return d->buf ? d->buf + skip : "";
}

const char *tok_decoder_flush(struct tok_decoder *d, size_t *len)
{
	if (d->held)
		memmove(d->buf, d->buf + d->emitted, d->held);
	*len = d->held;
	d->emitted = d->held = 0;
	d->at_start = 1;
	return d->buf ? d->buf : "";
}

char *tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n, unsigned flags,
                       size_t *len)
{
	struct tok_decoder *d = tok_decoder_new(t, flags);
	size_t k = 0, cap = 64;
	char *out = xmalloc(cap);
	for (size_t i = 0; i <= n; i++) {
		size_t m;
		const char *p = i < n ? tok_decoder_push(d, ids[i], &m) : tok_decoder_flush(d, &m);
		if (k + m + 1 > cap) {
			cap = 2 * (k + m + 1);
			out = xrealloc(out, cap);
		}
		memcpy(out + k, p, m);
		k += m;
	}
	out[k] = 0;
	tok_decoder_free(d);
	*len = k;
	return out;
}
