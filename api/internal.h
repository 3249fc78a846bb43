/* internal.h: what the public handles of include/trit.h hold, for the files of api/ */
#ifndef TRIT_API_INTERNAL_H
#define TRIT_API_INTERNAL_H

#include "include/trit.h"
#include "runtime/backend.h"
#include "runtime/chat.h"
#include "runtime/context.h"
#include "runtime/model.h"
#include "runtime/sampler.h"
#include "tok/tokenizer.h"

struct trit_ctx {
	struct runtime_ctx rt;
	int n_models;
};

struct trit_model {
	trit_ctx *ctx;
	struct model m;
	struct tokenizer *tok; /* NULL when the file has no usable tokenizer */
	char tok_why[512];     /* why tok is NULL */
	enum chat_format chat;
	const struct backend_ops *be;
	void *dev;
	int n_sessions;
};

struct trit_session {
	trit_model *model;
	void *state;
	int n_ctx, n_seq;
};

struct trit_sampler {
	struct sampler *s;
};

/* copies a library error into a public one with its code (err may be NULL); returns code */
int api_fail(trit_error *err, int code, const struct error *e);
/* formats a public error; returns code */
int api_failf(trit_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
