#include <stdlib.h>
#include <string.h>

#include "api/internal.h"

void trit_session_options_default(trit_session_options *o)
{
	memset(o, 0, sizeof(*o));
	o->n_seq = 1;
}

trit_session *trit_session_new(trit_model *m, const trit_session_options *o, trit_error *err)
{
	trit_session_options def;
	if (!o) {
		trit_session_options_default(&def);
		o = &def;
	}
	if (o->n_ctx < 0 || o->n_seq < 1 || o->n_seq > 4096 || o->n_threads < 0 || o->n_threads > 1024) {
		api_failf(err, TRIT_ERR_ARG, "bad session options: n_ctx %d (>= 0), n_seq %d (1..4096), n_threads %d (0..1024)",
		          o->n_ctx, o->n_seq, o->n_threads);
		return NULL;
	}
	struct session_config c = {.n_ctx = o->n_ctx ? o->n_ctx : m->m.d.n_ctx, .n_seq = o->n_seq,
	                           .n_threads = o->n_threads, .kv_f32 = o->kv_f32};
	trit_session *s = xcalloc(1, sizeof(*s));
	struct error e;
	if (m->be->session_new(&m->m, m->dev, &c, &s->state, &e) < 0) {
		free(s);
		api_fail(err, TRIT_ERR_ARG, &e);
		return NULL;
	}
	s->model = m;
	s->n_ctx = c.n_ctx;
	s->n_seq = c.n_seq;
	m->n_sessions++;
	return s;
}

void trit_session_free(trit_session *s)
{
	if (!s)
		return;
	s->model->be->session_free(s->state);
	s->model->n_sessions--;
	free(s);
}

int trit_session_n_ctx(const trit_session *s) { return s->n_ctx; }
int trit_session_n_seq(const trit_session *s) { return s->n_seq; }
int trit_session_n_threads(const trit_session *s) { return s->model->be->n_threads(s->state); }

int trit_decode(trit_session *s, const trit_batch *b, float *logits, trit_error *err)
{
	if (!b || b->n < 0 || (b->n > 0 && !b->tokens))
		return api_failf(err, TRIT_ERR_ARG, "the batch is empty or malformed");
	struct forward_batch fb = {.n = b->n, .tokens = b->tokens, .seq = b->seq, .pos = b->pos, .logits = b->logits};
	struct error e;
	int rc = s->model->be->decode(s->state, &fb, logits, &e);
	if (rc < 0)
		return api_fail(err, rc == FORWARD_FULL ? TRIT_ERR_CONTEXT_FULL : TRIT_ERR_ARG, &e);
	return TRIT_OK;
}

int trit_seq_len(const trit_session *s, int seq) { return s->model->be->seq_len(s->state, seq); }
void trit_kv_clear(trit_session *s, int seq) { s->model->be->truncate(s->state, seq, 0); }
void trit_kv_truncate(trit_session *s, int seq, int n_keep) { s->model->be->truncate(s->state, seq, n_keep); }
