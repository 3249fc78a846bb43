#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/internal.h"

void trit_model_options_default(trit_model_options *o)
{
	memset(o, 0, sizeof(*o));
	o->kernel = "auto";
	o->ubatch = 64;
	o->device = "cpu";
}

trit_model *trit_model_load(trit_ctx *c, const char *path, const trit_model_options *o, trit_error *err)
{
	trit_model_options def;
	if (!o) {
		trit_model_options_default(&def);
		o = &def;
	}
	struct model_options mo;
	model_options_default(&mo);
	if (o->kernel && kernel_choice_parse(o->kernel, &mo.kernel) < 0) {
		api_failf(err, TRIT_ERR_ARG, "unknown kernel kind '%s' (expected auto, i2s, tl1, tl2 or ref)", o->kernel);
		return NULL;
	}
	if (o->ubatch < 0 || o->ubatch > 4096) {
		api_failf(err, TRIT_ERR_ARG, "ubatch %d is out of range [1, 4096]", o->ubatch);
		return NULL;
	}
	struct error e;
	const struct backend_ops *be = backend_find(o->device, &e);
	if (!be) {
		api_fail(err, TRIT_ERR_UNSUPPORTED, &e);
		return NULL;
	}
	if (access(path, R_OK) != 0) {
		api_failf(err, TRIT_ERR_IO, "cannot open model '%s': %s", path, strerror(errno));
		return NULL;
	}
	mo.tile = o->ubatch ? o->ubatch : 64;
	mo.lm_head_q8 = o->lm_head_q8;
	mo.no_fuse = c->rt.cfg.no_fuse;
	mo.env = mo.kernel == KC_REF ? NULL : rctx_kernel_env(&c->rt);
	mo.progress = o->progress;
	mo.progress_user = o->progress_user;
	trit_model *m = xcalloc(1, sizeof(*m));
	m->ctx = c;
	m->be = be;
	if (model_load(&m->m, path, &mo, &e) < 0) {
		free(m);
		api_fail(err, TRIT_ERR_FORMAT, &e);
		return NULL;
	}
	m->tok = tokenizer_load(&m->m.g, &e); /* NULL is fine: such a model runs on token ids */
	if (!m->tok)
		snprintf(m->tok_why, sizeof m->tok_why, "%s", e.msg);
	m->chat = chat_detect(&m->m.g);
	if (be->model_prepare(&m->m, &m->dev, &e) < 0) {
		tokenizer_free(m->tok);
		model_free(&m->m);
		free(m);
		api_fail(err, TRIT_ERR_UNSUPPORTED, &e);
		return NULL;
	}
	c->n_models++;
	return m;
}

void trit_model_free(trit_model *m)
{
	if (!m)
		return;
	m->be->model_release(m->dev);
	tokenizer_free(m->tok);
	model_free(&m->m);
	m->ctx->n_models--;
	free(m);
}

const char *trit_model_arch(const trit_model *m) { return m->m.d.arch; }
int trit_model_n_vocab(const trit_model *m) { return m->m.d.n_vocab; }
int trit_model_n_ctx_train(const trit_model *m) { return m->m.d.n_ctx; }
int trit_model_n_embd(const trit_model *m) { return m->m.d.n_embd; }
int trit_model_n_layer(const trit_model *m) { return m->m.d.n_layer; }
double trit_model_load_seconds(const trit_model *m) { return m->m.load_seconds; }
int trit_model_has_tokenizer(const trit_model *m, trit_error *why)
{
	if (!m->tok)
		api_failf(why, TRIT_ERR_UNSUPPORTED, "this model has no usable tokenizer (%s)", m->tok_why);
	return m->tok != NULL;
}

void trit_model_describe_kernels(const trit_model *m, char *buf, size_t len)
{
	model_describe_kernels(&m->m, buf, len);
}
