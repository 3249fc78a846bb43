/* generate.c: greedy text generation through the public API, for several prompts at once.
 *
 *   cc generate.c $(pkg-config --cflags --libs trit) -o generate
 *   ./generate MODEL.gguf N "first prompt" ["second prompt" ...]
 *
 * Each prompt is a sequence of one session; the prompts are prefilled in one batch, then every step
 * decodes the next token of all unfinished sequences in one batch. Prints each completion on a line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trit.h>

static int fail(const char *what, const trit_error *err)
{
	fprintf(stderr, "generate: %s: %s\n", what, err->msg);
	return 1;
}

static int32_t argmax(const float *x, int n)
{
	int32_t best = 0;
	for (int i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: generate MODEL.gguf N PROMPT [PROMPT ...]\n");
		return 2;
	}
	int n_predict = atoi(argv[2]), n_seq = argc - 3;
	trit_error err;
	trit_ctx_options co;
	trit_ctx_options_from_env(&co);
	trit_ctx *ctx = trit_ctx_init(&co, &err);
	if (!ctx)
		return fail("context", &err);
	trit_model *model = trit_model_load(ctx, argv[1], NULL, &err);
	if (!model)
		return fail("load", &err);
	trit_session_options so;
	trit_session_options_default(&so);
	so.n_seq = n_seq;
	so.n_ctx = 128;
	trit_session *s = trit_session_new(model, &so, &err);
	if (!s)
		return fail("session", &err);
	int V = trit_model_n_vocab(model);

	/* all prompts in one batch, the logits of each prompt's last token */
	int cap = 4096, n = 0;
	int32_t *tok = malloc(cap * sizeof(int32_t)), *seq = malloc(cap * sizeof(int32_t));
	int8_t *want = malloc(cap);
	for (int q = 0; q < n_seq; q++) {
		int got = trit_tokenize(model, argv[3 + q], strlen(argv[3 + q]), 1, 0, tok + n, cap - n, &err);
		if (got < 0)
			return fail("tokenize", &err);
		if (got == 0 || got > cap - n) {
			fprintf(stderr, "generate: prompt %d is empty or too long\n", q + 1);
			return 1;
		}
		for (int i = 0; i < got; i++) {
			seq[n + i] = q;
			want[n + i] = i == got - 1;
		}
		n += got;
	}
	float *logits = malloc((size_t)n_seq * V * sizeof(float));
	trit_batch b = {.n = n, .tokens = tok, .seq = seq, .logits = want};
	if (trit_decode(s, &b, logits, &err) < 0)
		return fail("prefill", &err);

	char **out = calloc(n_seq, sizeof(char *));
	size_t *len = calloc(n_seq, sizeof(size_t));
	int *done = calloc(n_seq, sizeof(int));
	trit_detok **dec = calloc(n_seq, sizeof(trit_detok *));
	for (int q = 0; q < n_seq; q++)
		dec[q] = trit_detok_new(model);
	for (int step = 0; step < n_predict; step++) {
		int live = 0; /* the next token of every unfinished sequence, in one batch */
		for (int q = 0, r = 0; q < n_seq; q++) {
			if (done[q])
				continue;
			int32_t id = argmax(logits + (size_t)r++ * V, V);
			if (trit_token_is_eog(model, id)) {
				done[q] = 1;
				continue;
			}
			size_t pl;
			const char *piece = trit_detok_push(dec[q], id, &pl);
			out[q] = realloc(out[q], len[q] + pl + 1);
			memcpy(out[q] + len[q], piece, pl);
			len[q] += pl;
			tok[live] = id;
			seq[live] = q;
			want[live] = 1;
			live++;
		}
		if (!live || step == n_predict - 1)
			break;
		trit_batch d = {.n = live, .tokens = tok, .seq = seq, .logits = want};
		if (trit_decode(s, &d, logits, &err) < 0)
			return fail("decode", &err);
	}
	for (int q = 0; q < n_seq; q++) {
		size_t rl;
		const char *rest = trit_detok_flush(dec[q], &rl);
		printf("%.*s%.*s\n", (int)len[q], out[q] ? out[q] : "", (int)rl, rest);
		free(out[q]);
		trit_detok_free(dec[q]);
	}
	free(out), free(len), free(done), free(dec), free(logits), free(tok), free(seq), free(want);
	trit_session_free(s);
	trit_model_free(model);
	trit_ctx_finish(ctx);
	return 0;
}
