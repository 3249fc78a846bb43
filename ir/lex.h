/* lex.h: splitting IR text into lines of whitespace-separated tokens with their columns, and
 * the "FILE:LINE:COL: expected X, got Y" error helper shared by the IR parsers. */
#ifndef TRIT_IR_LEX_H
#define TRIT_IR_LEX_H

#include "base/util.h"

#define IR_MAX_TOKENS 24
#define IR_TOKEN_MAX 128

struct ir_tok {
	const char *s; /* into the text, not NUL-terminated */
	int len;
	int col; /* 1-based */
};

struct ir_line {
	int lineno;
	int ntok;
	struct ir_tok tok[IR_MAX_TOKENS];
	int end_col;      /* column just after the last non-comment character */
	int overflow_col; /* column of the first token beyond IR_MAX_TOKENS, 0 when none */
};

/* splits the line starting at p (up to '\n' or the end) into tokens, dropping a '#' comment;
 * returns the start of the next line or NULL at the end of the text */
const char *ir_split_line(const char *p, int lineno, struct ir_line *l);
/* copies a token into buf as a NUL-terminated string (truncated to len-1) */
void ir_tok_str(const struct ir_tok *t, char *buf, size_t len);
/* 1 when the token is exactly s */
int ir_tok_is(const struct ir_tok *t, const char *s);
/* a token quoted for an error message ('abc', non-printable bytes as \xNN, long ones cut) */
void ir_tok_quote(const struct ir_tok *t, char *buf, size_t len);
/* fills e with "FILE:LINE:COL: MSG" and returns -1 */
int ir_error(struct error *e, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
