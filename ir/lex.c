/* lex.c: line splitting and error formatting for the IR parsers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ir/lex.h"

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

const char *ir_split_line(const char *p, int lineno, struct ir_line *l)
{
	const char *start = p;
	l->lineno = lineno;
	l->ntok = 0;
	l->end_col = 1;
	l->overflow_col = 0;
	int comment = 0;
	while (*p && *p != '\n') {
		if (comment || is_space(*p)) {
			p++;
			continue;
		}
		if (*p == '#') {
			comment = 1;
			continue;
		}
		const char *t = p;
		while (*p && *p != '\n' && *p != '#' && !is_space(*p))
			p++;
		int col = (int)(t - start) + 1;
		if (l->ntok < IR_MAX_TOKENS)
			l->tok[l->ntok++] = (struct ir_tok){t, (int)(p - t), col};
		else if (!l->overflow_col)
			l->overflow_col = col;
		l->end_col = (int)(p - start) + 1;
	}
	return *p ? p + 1 : NULL;
}

void ir_tok_str(const struct ir_tok *t, char *buf, size_t len)
{
	size_t n = (size_t)t->len < len - 1 ? (size_t)t->len : len - 1;
	memcpy(buf, t->s, n);
	buf[n] = 0;
}

int ir_tok_is(const struct ir_tok *t, const char *s)
{
	return strlen(s) == (size_t)t->len && !memcmp(t->s, s, (size_t)t->len);
}

void ir_tok_quote(const struct ir_tok *t, char *buf, size_t len)
{
	size_t o = 0;
	buf[o++] = '\'';
	for (int i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->s[i];
		if (o + 8 >= len || i == 40) {
			o += (size_t)snprintf(buf + o, len - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	if (o + 2 <= len) {
		buf[o++] = '\'';
		buf[o] = 0;
	} else {
		buf[len - 1] = 0;
	}
}

int ir_error(struct error *e, const char *file, int line, int col, const char *fmt, ...)
{
	if (!e)
		return -1;
	int n = snprintf(e->msg, sizeof(e->msg), "%s:%d:%d: ", file, line, col);
	if (n < 0 || (size_t)n >= sizeof(e->msg))
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}
