/* pretok.c: pre-tokenizers over decoded code points. Each stage cuts the pieces of the previous
 * stage further; a piece list is kept as the unit index where each piece ends. The matchers
 * follow the regexes alternative by alternative, the way llama.cpp's hand-written ones read them. */
#include "tok/pretok.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/util.h"
#include "tok/unicode.h"

/* piece ends (unit indices), ascending */
struct ends {
	size_t *v;
	size_t n, cap;
};

static void ends_push(struct ends *e, size_t end)
{
	if (end == 0 || (e->n && e->v[e->n - 1] >= end))
		return; /* no empty pieces */
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	e->v[e->n++] = end;
}

/* the code points of one piece, with out-of-piece reads answering "no character" */
struct piece {
	const uint32_t *cp;
	size_t ini, end;
};

#define NO_CHAR 0xFFFFFFFFu

static uint32_t cpt_at(const struct piece *p, size_t i)
{
	return i >= p->ini && i < p->end ? p->cp[i] : NO_CHAR;
}

/* category flags; positions outside the piece have none and are not "other" characters */
static unsigned flags_at(const struct piece *p, size_t i)
{
	return i >= p->ini && i < p->end ? uni_flags(p->cp[i]) : 0;
}

static int in_piece(const struct piece *p, size_t i)
{
	return i >= p->ini && i < p->end;
}

static int is_letter(const struct piece *p, size_t i) { return (flags_at(p, i) & UNI_L) != 0; }
static int is_number(const struct piece *p, size_t i) { return (flags_at(p, i) & UNI_N) != 0; }
static int is_space(const struct piece *p, size_t i) { return (flags_at(p, i) & UNI_WS) != 0; }
/* [^\s\p{L}\p{N}]: any character that is not a space, letter or number */
static int is_other(const struct piece *p, size_t i)
{
	return in_piece(p, i) && !(flags_at(p, i) & (UNI_L | UNI_N | UNI_WS));
}
static int is_crlf(uint32_t c) { return c == '\r' || c == '\n'; }
static uint32_t ascii_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* length of a contraction 's 't 're 've 'm 'll 'd at i (0 if none); fold: match any case */
static size_t contraction(const struct piece *p, size_t i, int fold)
{
	if (cpt_at(p, i) != '\'' || !in_piece(p, i + 1))
		return 0;
	uint32_t a = cpt_at(p, i + 1), b = cpt_at(p, i + 2);
	if (fold) {
		a = ascii_lower(a);
		b = ascii_lower(b);
	}
	if (a == 's' || a == 't' || a == 'm' || a == 'd')
		return 2;
	if (in_piece(p, i + 2) && ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')))
		return 3;
	return 0;
}

/* whitespace alternatives shared by both regexes; returns the end of the match at pos (> pos).
 * crlf: also \s*[\r\n]+ (Llama-3) before \s+(?!\S) and \s+ */
static size_t match_spaces(const struct piece *p, size_t pos, int crlf)
{
	size_t n = 0, last_crlf = 0;
	while (is_space(p, pos + n)) {
		if (is_crlf(cpt_at(p, pos + n)))
			last_crlf = pos + n + 1;
		n++;
	}
	if (crlf && last_crlf)
		return last_crlf;
	if (n > 1 && in_piece(p, pos + n))
		return pos + n - 1; /* \s+(?!\S): leave the last space to the next piece */
	if (n > 0)
		return pos + n;
	return pos + 1; /* nothing matched: the character alone */
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
 * \s*[\r\n]+|\s+(?!\S)|\s+ */
static void split_llama3(const struct piece *p, struct ends *out)
{
	for (size_t pos = p->ini; pos < p->end;) {
		uint32_t c = cpt_at(p, pos);
		size_t k = contraction(p, pos, 1);
		if (k) {
			ends_push(out, pos += k);
			continue;
		}
		if (!is_crlf(c) && !is_number(p, pos) && (is_letter(p, pos) || is_letter(p, pos + 1))) {
			pos++;
			while (is_letter(p, pos))
				pos++;
			ends_push(out, pos);
			continue;
		}
		if (is_number(p, pos)) {
			size_t ini = pos;
			while (is_number(p, pos)) {
				if (++pos - ini >= 3) {
					ends_push(out, pos);
					ini = pos;
				}
			}
			ends_push(out, pos);
			continue;
		}
		size_t q = pos + (c == ' ');
		if (is_other(p, q)) {
			while (is_other(p, q))
				q++;
			while (is_crlf(cpt_at(p, q)))
				q++;
			ends_push(out, pos = q);
			continue;
		}
		ends_push(out, pos = match_spaces(p, pos, 1));
	}
}

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static void split_gpt2(const struct piece *p, struct ends *out)
{
	for (size_t pos = p->ini; pos < p->end;) {
		size_t k = contraction(p, pos, 0);
		if (k) {
			ends_push(out, pos += k);
			continue;
		}
		size_t q = pos + (cpt_at(p, pos) == ' ');
		int (*cls)(const struct piece *, size_t) = is_letter(p, q) ? is_letter
		                                           : is_number(p, q) ? is_number
		                                           : is_other(p, q)  ? is_other
		                                                             : NULL;
		if (cls) {
			while (cls(p, q))
				q++;
			ends_push(out, pos = q);
			continue;
		}
		ends_push(out, pos = match_spaces(p, pos, 0));
	}
}

/* [\p{P}\$\+<=>\^~\|]+ */
static int is_punct_run(uint32_t c)
{
	return (uni_flags(c) & UNI_P) || c == '$' || c == '+' || c == '<' || c == '=' || c == '>' ||
	       c == '^' || c == '~' || c == '|';
}

static int is_num_cp(uint32_t c) { return (uni_flags(c) & UNI_N) != 0; }

/* a regex whose matches are maximal runs of one class: cut wherever membership changes */
static void split_runs(const struct piece *p, int (*cls)(uint32_t), struct ends *out)
{
	for (size_t i = p->ini + 1; i < p->end; i++)
		if (cls(p->cp[i]) != cls(p->cp[i - 1]))
			ends_push(out, i);
	ends_push(out, p->end);
}

static int is_ascii_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* [0-9][0-9][0-9]: matches found left to right, the gaps between them are pieces too */
static void split_digit_triples(const struct piece *p, struct ends *out)
{
	for (size_t i = p->ini; i + 3 <= p->end;) {
		if (is_ascii_digit(p->cp[i]) && is_ascii_digit(p->cp[i + 1]) && is_ascii_digit(p->cp[i + 2])) {
			ends_push(out, i);
			ends_push(out, i + 3);
			i += 3;
		} else {
			i++;
		}
	}
	ends_push(out, p->end);
}

enum stage { ST_LLAMA3, ST_GPT2, ST_PUNCT, ST_NUM, ST_DIGIT3 };

/* applies one stage to every piece of in; in's first piece starts at unit 0 */
static void apply(enum stage st, const uint32_t *cp, const struct ends *in, struct ends *out)
{
	out->n = 0;
	size_t start = 0;
	for (size_t k = 0; k < in->n; k++) {
		struct piece p = {cp, start, in->v[k]};
		switch (st) {
		case ST_LLAMA3: split_llama3(&p, out); break;
		case ST_GPT2: split_gpt2(&p, out); break;
		case ST_PUNCT: split_runs(&p, is_punct_run, out); break;
		case ST_NUM: split_runs(&p, is_num_cp, out); break;
		case ST_DIGIT3: split_digit_triples(&p, out); break;
		}
		start = in->v[k];
	}
}

void pretok_split(enum pretok_kind kind, const char *text, size_t len, struct pretok_span **spans,
                  size_t *n)
{
	*spans = NULL;
	*n = 0;
	if (len == 0)
		return;
	uint32_t *cp = xmalloc(len * sizeof(*cp));
	size_t *off = xmalloc((len + 1) * sizeof(*off));
	size_t nu = 0;
	for (size_t i = 0; i < len;) {
		off[nu] = i;
		i += utf8_decode((const unsigned char *)text + i, len - i, &cp[nu]);
		nu++;
	}
	off[nu] = len;

	static const enum stage llama3[] = {ST_LLAMA3}, gpt2[] = {ST_GPT2},
	                        dflt[] = {ST_PUNCT, ST_GPT2, ST_NUM, ST_DIGIT3};
	const enum stage *stages = kind == PRETOK_LLAMA3 ? llama3 : kind == PRETOK_GPT2 ? gpt2 : dflt;
	size_t n_stages = kind == PRETOK_DEFAULT ? COUNTOF(dflt) : 1;

	struct ends a = {0}, b = {0};
	ends_push(&a, nu);
	for (size_t s = 0; s < n_stages; s++) {
		apply(stages[s], cp, &a, &b);
		struct ends t = a;
		a = b;
		b = t;
	}
	struct pretok_span *sp = xmalloc(a.n * sizeof(*sp));
	size_t start = 0;
	for (size_t k = 0; k < a.n; k++) {
		sp[k].start = off[start];
		sp[k].end = off[a.v[k]];
		start = a.v[k];
	}
	*spans = sp;
	*n = a.n;
	free(a.v);
	free(b.v);
	free(cp);
	free(off);
}

const char *pretok_name(enum pretok_kind kind)
{
	switch (kind) {
	case PRETOK_LLAMA3: return "llama-bpe";
	case PRETOK_GPT2: return "gpt-2";
	case PRETOK_DEFAULT: return "default";
	}
	return "?";
}
