#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "cli/run_common.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit run [-m FILE] -p TEXT [options]\n"
	           "       trit run -m FILE --tokens 1,2,3 -n 0 --dump-logits OUT.bin\n\n"
	           "Generates text from a prompt (llama.cpp flags and defaults).\n\noptions:\n");
	run_opts_help(f);
	fprintf(f, "  --tokens LIST            run these token ids (no BOS added) instead of a prompt\n"
	           "  --dump-logits FILE       write the prompt's logits, float32 [n_tokens][n_vocab]\n"
	           "  --no-display-prompt      do not echo the prompt\n"
	           "  --ignore-eos             keep generating past end-of-generation tokens\n");
}

/* writes logits atomically; dies on failure */
static void dump_logits(const char *path, const float *logits, size_t count)
{
	struct error e;
	if (write_file_atomic(path, logits, count * sizeof(float), &e) < 0)
		die("%s", e.msg);
}

int cmd_chat_session(struct run_opts *o);

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	run_opts_default(&o);
	if (run_opts_parse_all(&o, argc, argv, "run", usage))
		return 0;
	if (o.cnv)
		return cmd_chat_session(&o);
	if (o.tokens && (o.prompt || o.prompt_file))
		die("run: give either --tokens or a prompt (-p/-f), not both");

	size_t plen = 0;
	char *prompt = run_read_prompt(&o, &plen);
	if (!prompt && !o.tokens)
		die("run: no prompt: give -p TEXT, -f FILE or --tokens LIST");

	struct session s;
	session_open(&s, &o, !o.tokens);
	int64_t V = s.n_vocab;

	int32_t *ids = NULL;
	int n = 0;
	if (o.tokens) {
		ids = run_parse_tokens(o.tokens, &n);
	} else {
		ids = run_tokenize(&s, prompt, plen, 1, 1, &n);
		if (n == 0)
			die("run: the prompt is empty");
	}
	if (n > s.n_ctx)
		die("run: the prompt has %d tokens, more than the context size %d (use -c)", n, s.n_ctx);

	trit_sampler *smp = trit_sampler_new(s.model, &o.sp);
	if (o.sp.seed < 0 && o.n_predict != 0 && o.sp.temp > 0)
		fprintf(stderr, "trit: seed %llu\n", (unsigned long long)trit_sampler_seed(smp));
	float *logits = xmalloc((size_t)(o.dump_logits ? n : 1) * (size_t)V * sizeof(float));
	if (prompt && !o.no_display_prompt) {
		fwrite(prompt, 1, plen, stdout);
		fflush(stdout);
	}
	run_prefill(&s, ids, n, logits, o.dump_logits != NULL);
	if (o.dump_logits)
		dump_logits(o.dump_logits, logits, (size_t)n * (size_t)V);
	for (int i = 0; i < n; i++)
		trit_sampler_accept(smp, ids[i]);
	if (o.n_predict != 0) {
		if (!trit_model_has_tokenizer(s.model, NULL))
			die("run: this model has no usable tokenizer, so it cannot print generated text");
		if (o.dump_logits) /* the logits of the last position */
			memmove(logits, logits + (size_t)(n - 1) * (size_t)V, (size_t)V * sizeof(float));
		run_generate(&s, smp, logits, o.n_predict, o.ignore_eos, 0, stdout);
		printf("\n");
	}
	fflush(stdout);
	if (!o.no_perf)
		run_print_perf(&s);
	free(logits);
	free(ids);
	free(prompt);
	trit_sampler_free(smp);
	session_close(&s);
	return 0;
}
