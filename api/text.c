#include <stdlib.h>
#include <string.h>

#include "api/internal.h"

/* TRIT_ERR_UNSUPPORTED naming why the model has no tokenizer */
static int no_tokenizer(const trit_model *m, trit_error *err)
{
	trit_model_has_tokenizer(m, err);
	return TRIT_ERR_UNSUPPORTED;
}

int trit_tokenize(const trit_model *m, const char *text, size_t len, int add_bos, int parse_special, int32_t *out,
                  int cap, trit_error *err)
{
	if (!m->tok)
		return no_tokenizer(m, err);
	int32_t *ids = NULL;
	size_t n = 0;
	struct error e;
	if (tokenizer_encode(m->tok, text, len, add_bos && tokenizer_add_bos(m->tok), parse_special, &ids, &n, &e) < 0)
		return api_fail(err, TRIT_ERR_ARG, &e);
	if (n > 0x7fffffff) {
		free(ids);
		return api_failf(err, TRIT_ERR_ARG, "the text is too long (%zu tokens)", n);
	}
	if (out && cap > 0 && n > 0)
		memcpy(out, ids, MIN(n, (size_t)cap) * sizeof(int32_t));
	free(ids);
	return (int)n;
}

size_t trit_token_to_piece(const trit_model *m, int32_t id, int special, char *buf, size_t len)
{
	if (!m->tok)
		return 0;
	if (special && tokenizer_token_type(m->tok, id) == TOK_CONTROL) {
		size_t n;
		const char *t = tokenizer_token_text(m->tok, id, &n);
		if (buf && len)
			memcpy(buf, t, MIN(n, len));
		return n;
	}
	return tokenizer_token_bytes(m->tok, id, buf, len);
}

char *trit_detokenize(const trit_model *m, const int32_t *ids, size_t n, int special, size_t *len)
{
	if (!m->tok) {
		*len = 0;
		return xstrdup("");
	}
	return tokenizer_decode(m->tok, ids, n, special ? TOK_DECODE_SPECIAL : 0, len);
}

int32_t trit_token_bos(const trit_model *m) { return m->tok ? tokenizer_bos(m->tok) : -1; }
int32_t trit_token_eos(const trit_model *m) { return m->tok ? tokenizer_eos(m->tok) : -1; }
int trit_token_is_eog(const trit_model *m, int32_t id) { return m->tok && tokenizer_is_eog(m->tok, id); }

struct trit_detok {
	struct tok_decoder *d;
};

trit_detok *trit_detok_new(const trit_model *m)
{
	if (!m->tok)
		return NULL;
	trit_detok *d = xcalloc(1, sizeof(*d));
	d->d = tok_decoder_new(m->tok, 0);
	return d;
}

const char *trit_detok_push(trit_detok *d, int32_t id, size_t *len) { return tok_decoder_push(d->d, id, len); }
const char *trit_detok_flush(trit_detok *d, size_t *len) { return tok_decoder_flush(d->d, len); }

void trit_detok_free(trit_detok *d)
{
	if (!d)
		return;
	tok_decoder_free(d->d);
	free(d);
}

const char *trit_chat_format(const trit_model *m) { return chat_format_name(m->chat); }

/* the format to render with: the model's, or the one named; -1 with err on an unknown name */
static int chat_pick(const trit_model *m, const char *name, enum chat_format *f, trit_error *err)
{
	*f = m->chat;
	if (name && chat_format_parse(name, f) < 0)
		return api_failf(err, TRIT_ERR_ARG, "unknown chat format '%s' (expected bitnet, llama3 or falcon3)", name);
	return 0;
}

char *trit_chat_start(const trit_model *m, const char *format, const char *sys, trit_error *err)
{
	enum chat_format f;
	return chat_pick(m, format, &f, err) < 0 ? NULL : chat_render_start(f, sys);
}

char *trit_chat_user(const trit_model *m, const char *format, const char *msg, trit_error *err)
{
	enum chat_format f;
	return chat_pick(m, format, &f, err) < 0 ? NULL : chat_render_user(f, msg);
}

char *trit_chat_after_reply(const trit_model *m, const char *format, trit_error *err)
{
	enum chat_format f;
	return chat_pick(m, format, &f, err) < 0 ? NULL : chat_render_after_reply(f);
}

int trit_token_add_bos(const trit_model *m) { return m->tok && tokenizer_add_bos(m->tok); }
