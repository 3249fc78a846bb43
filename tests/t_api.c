/* t_api.c: the public API of include/trit.h as a program embedding it uses it: contexts without the
 * environment, errors as codes with a message, sessions sharing one model (also from two threads at
 * once), several sequences per session, KV truncation, tokens, chat turns and sampling. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/trit.h"
#include "tests/test.h"

static const char *tiny_model(void)
{
	static char path[512];
	if (!path[0]) {
		char cmd[2048];
		snprintf(path, sizeof path, "%s/api.gguf", test_tmpdir());
		snprintf(cmd, sizeof cmd, "'%s' mkmodel '%s/models/tiny.trit' --seed 9 -o '%s' >/dev/null 2>&1", test_trit(),
		         getenv("TRIT_SRCDIR") ? getenv("TRIT_SRCDIR") : ".", path);
		if (system(cmd) != 0)
			path[0] = 0;
	}
	return path;
}

static trit_ctx *new_ctx(void)
{
	trit_ctx_options o;
	trit_ctx_options_default(&o);
	char dir[600];
	snprintf(dir, sizeof dir, "%s/cache", test_tmpdir());
	o.cache_dir = dir;
	return trit_ctx_init(&o, NULL);
}

TEST(errors_are_codes_with_a_message)
{
	trit_ctx *c = new_ctx();
	trit_error err = {0};
	CHECK(trit_model_load(c, "/nonexistent/m.gguf", NULL, &err) == NULL);
	CHECK(err.code == TRIT_ERR_IO && strstr(err.msg, "/nonexistent/m.gguf"));
	trit_model_options mo;
	trit_model_options_default(&mo);
	mo.kernel = "fast";
	CHECK(trit_model_load(c, tiny_model(), &mo, &err) == NULL && err.code == TRIT_ERR_ARG && strstr(err.msg, "fast"));
	trit_model_options_default(&mo);
	mo.device = "tpu";
	CHECK(trit_model_load(c, tiny_model(), &mo, &err) == NULL && err.code == TRIT_ERR_UNSUPPORTED &&
	      strstr(err.msg, "tpu"));
	char bad[600];
	snprintf(bad, sizeof bad, "%s/bad.gguf", test_tmpdir());
	FILE *f = fopen(bad, "wb");
	fputs("GGUF but not really", f);
	fclose(f);
	CHECK(trit_model_load(c, bad, NULL, &err) == NULL && err.code == TRIT_ERR_FORMAT);
	trit_ctx_finish(c);
}

/* greedy tokens of prompt continued for n steps in sequence seq of s */
static void greedy(trit_session *s, const trit_model *m, int seq, const int32_t *prompt, int np, int n, int32_t *out)
{
	int V = trit_model_n_vocab(m);
	float *logits = malloc((size_t)V * sizeof(float));
	int32_t seqs[64];
	for (int i = 0; i < np; i++)
		seqs[i] = seq;
	trit_batch b = {.n = np, .tokens = prompt, .seq = seqs};
	CHECK(trit_decode(s, &b, logits, NULL) == 0);
	for (int i = 0; i < n; i++) {
		int32_t best = 0;
		for (int v = 1; v < V; v++)
			if (logits[v] > logits[best])
				best = v;
		out[i] = best;
		trit_batch d = {.n = 1, .tokens = &out[i], .seq = &seq};
		CHECK(trit_decode(s, &d, logits, NULL) == 0);
	}
	free(logits);
}

struct job {
	trit_model *m;
	int32_t out[8];
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	trit_session_options so;
	trit_session_options_default(&so);
	so.n_threads = 1;
	trit_session *s = trit_session_new(j->m, &so, NULL);
	static const int32_t prompt[] = {1, 5, 9, 200};
	greedy(s, j->m, 0, prompt, 4, 8, j->out);
	trit_session_free(s);
	return NULL;
}

TEST(sessions_share_one_model_across_threads)
{
	trit_ctx *c = new_ctx();
	trit_model *m = trit_model_load(c, tiny_model(), NULL, NULL);
	CHECK(m != NULL);
	if (!m)
		return;
	struct job a = {.m = m}, b = {.m = m}, alone = {.m = m};
	run_job(&alone);
	pthread_t ta, tb;
	pthread_create(&ta, NULL, run_job, &a);
	pthread_create(&tb, NULL, run_job, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(!memcmp(a.out, alone.out, sizeof a.out) && !memcmp(b.out, alone.out, sizeof b.out));
	trit_model_free(m);
	trit_ctx_finish(c);
}

TEST(sequences_positions_truncate_and_context_full)
{
	trit_ctx *c = new_ctx();
	trit_model *m = trit_model_load(c, tiny_model(), NULL, NULL);
	CHECK(m != NULL);
	if (!m)
		return;
	trit_session_options so;
	trit_session_options_default(&so);
	so.n_seq = 2;
	so.n_ctx = 16;
	trit_error err;
	trit_session *s = trit_session_new(m, &so, &err);
	CHECK(s && trit_session_n_seq(s) == 2 && trit_session_n_ctx(s) == 16);
	static const int32_t p[] = {3, 4, 5, 6};
	int32_t g0[4], g1[4], again[4];
	greedy(s, m, 0, p, 4, 4, g0);
	greedy(s, m, 1, p, 2, 4, g1);
	CHECK(trit_seq_len(s, 0) == 8 && trit_seq_len(s, 1) == 6);
	/* prefix reuse: keep the 4 prompt tokens of sequence 0 and decode again: same continuation */
	trit_kv_truncate(s, 0, 3);
	CHECK(trit_seq_len(s, 0) == 3 && trit_seq_len(s, 1) == 6);
	greedy(s, m, 0, p + 3, 1, 4, again);
	CHECK(!memcmp(g0, again, sizeof g0));
	/* a wrong position, an unknown sequence, a full context: refused, nothing changes */
	int32_t pos = 2, seq = 1, bad = 7;
	trit_batch b = {.n = 1, .tokens = p, .seq = &seq, .pos = &pos};
	CHECK(trit_decode(s, &b, NULL, &err) == TRIT_ERR_ARG && strstr(err.msg, "position"));
	trit_batch u = {.n = 1, .tokens = p, .seq = &bad};
	CHECK(trit_decode(s, &u, NULL, &err) == TRIT_ERR_ARG);
	int32_t many[16] = {0};
	trit_batch full = {.n = 11, .tokens = many, .seq = (int32_t[16]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
	CHECK(trit_decode(s, &full, NULL, &err) == TRIT_ERR_CONTEXT_FULL && strstr(err.msg, "context"));
	CHECK(trit_seq_len(s, 1) == 6);
	trit_kv_clear(s, -1);
	CHECK(trit_seq_len(s, 0) == 0 && trit_seq_len(s, 1) == 0);
	trit_session_free(s);
	trit_model_free(m);
	trit_ctx_finish(c);
}

TEST(tokens_chat_and_sampling)
{
	trit_ctx *c = new_ctx();
	trit_model *m = trit_model_load(c, tiny_model(), NULL, NULL);
	CHECK(m != NULL && trit_model_has_tokenizer(m, NULL));
	if (!m)
		return;
	const char *text = "hello world, again";
	int32_t ids[64];
	int n = trit_tokenize(m, text, strlen(text), 0, 0, ids, 64, NULL);
	CHECK(n > 0 && n < 64);
	size_t len;
	char *back = trit_detokenize(m, ids, (size_t)n, 0, &len);
	CHECK(len == strlen(text) && !strcmp(back, text));
	free(back);
	CHECK(trit_tokenize(m, text, strlen(text), 0, 0, ids, 1, NULL) == n); /* the count, even when cap is short */
	CHECK(trit_tokenize(m, "", 0, 0, 0, ids, 64, NULL) == 0);
	trit_error err;
	CHECK(trit_chat_user(m, "nope", "hi", &err) == NULL && strstr(err.msg, "nope"));
	char *turn = trit_chat_user(m, NULL, "hi", &err);
	CHECK(turn && strstr(turn, "hi"));
	free(turn);
	trit_sampler_params sp;
	trit_sampler_params_default(&sp);
	sp.seed = 4;
	trit_sampler *a = trit_sampler_new(m, &sp), *b = trit_sampler_new(m, &sp);
	int V = trit_model_n_vocab(m);
	float *logits = calloc((size_t)V, sizeof(float));
	for (int i = 0; i < V; i++)
		logits[i] = (float)(i % 17) * 0.3f;
	for (int i = 0; i < 8; i++)
		CHECK(trit_sampler_sample(a, logits) == trit_sampler_sample(b, logits));
	CHECK(trit_sampler_seed(a) == 4);
	free(logits);
	trit_sampler_free(a);
	trit_sampler_free(b);
	trit_model_free(m);
	trit_ctx_finish(c);
}
