#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "cli/run_common.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit perplexity [-m FILE] -f TEXT [-c N] [options]\n\n"
	           "Perplexity over a text file, as llama.cpp's perplexity tool computes it: the text is cut into\n"
	           "chunks of N tokens (default min(512, model context)), each starting with BOS when the model\n"
	           "adds one, and the second half of each chunk is scored.\n\noptions:\n");
	run_opts_help(f);
}

/* log of the softmax probability of token id in logits[n] */
static double log_prob(const float *logits, int n, int32_t id)
{
	float mx = logits[0];
	for (int i = 1; i < n; i++)
		if (logits[i] > mx)
			mx = logits[i];
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += exp((double)logits[i] - mx);
	return (double)logits[id] - mx - log(sum);
}

int cmd_perplexity(int argc, char **argv)
{
	struct run_opts o;
	run_opts_default(&o);
	if (run_opts_parse_all(&o, argc, argv, "perplexity", usage))
		return 0;
	size_t tlen;
	char *text = run_read_prompt(&o, &tlen);
	if (!text)
		die("perplexity: give the text with -f FILE");
	struct session s;
	int user_ctx = o.n_ctx;
	session_open(&s, &o, 1);
	int n_ctx = user_ctx > 0 ? user_ctx : MIN(512, trit_model_n_ctx_train(s.model));
	if (n_ctx > s.n_ctx)
		die("perplexity: -c %d is larger than the context allocated (%d)", n_ctx, s.n_ctx);
	if (n_ctx < 4)
		die("perplexity: the context must be at least 4 tokens");
	int n;
	int32_t *ids = run_tokenize(&s, text, tlen, 0, 0, &n);
	int n_chunk = n / n_ctx;
	if (n_chunk < 1)
		die("perplexity: the text has %d tokens; a context of %d needs at least %d (use a smaller -c)", n, n_ctx,
		    n_ctx);
	int64_t V = s.n_vocab;
	int tile = o.tile;
	float *logits = xmalloc((size_t)tile * (size_t)V * sizeof(float));
	int32_t *chunk = xmalloc((size_t)n_ctx * sizeof(int32_t));
	int bos = trit_token_add_bos(s.model) ? trit_token_bos(s.model) : -1;
	int first = n_ctx / 2;
	double nll = 0, nll2 = 0;
	long count = 0;
	fprintf(stderr, "trit: %d chunks of %d tokens; scoring the last %d of each\n", n_chunk, n_ctx, n_ctx - first - 1);
	for (int c = 0; c < n_chunk; c++) {
		memcpy(chunk, ids + (size_t)c * (size_t)n_ctx, (size_t)n_ctx * sizeof(int32_t));
		if (bos >= 0)
			chunk[0] = bos;
		trit_kv_clear(s.sess, -1);
		for (int t0 = 0; t0 < n_ctx; t0 += tile) {
			int nt = MIN(tile, n_ctx - t0);
			int want = t0 + nt > first;
			run_prefill(&s, chunk + t0, nt, want ? logits : NULL, 1);
			if (!want)
				continue;
			for (int t = MAX(first, t0); t < t0 + nt && t + 1 < n_ctx; t++) {
				/* the logits at position t predict the text's token t+1 */
				int32_t next = ids[(size_t)c * (size_t)n_ctx + (size_t)t + 1];
				double v = -log_prob(logits + (int64_t)(t - t0) * V, (int)V, next);
				nll += v;
				nll2 += v * v;
				count++;
			}
		}
		printf("[%d]%.4f,", c + 1, exp(nll / (double)count));
		fflush(stdout);
	}
	printf("\n");
	double mean = nll / (double)count, var = nll2 / (double)count - mean * mean;
	double err = count > 1 && var > 0 ? sqrt(var / (double)(count - 1)) : 0;
	printf("Final estimate: PPL = %.4f +/- %.5f\n", exp(mean), exp(mean) * err);
	if (!o.no_perf)
		run_print_perf(&s);
	free(chunk);
	free(logits);
	free(ids);
	free(text);
	session_close(&s);
	return 0;
}
