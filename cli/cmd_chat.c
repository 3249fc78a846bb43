#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/util.h"
#include "cli/run_common.h"

int cmd_chat_session(struct run_opts *o);

static void usage(FILE *f)
{
	fprintf(f, "usage: trit chat [-m FILE] [-sys TEXT] [options]\n\n"
	           "Chats with a model: each line read from standard input is one user turn (ends at EOF).\n"
	           "The chat format (bitnet, llama3, falcon3) is detected from the model.\n\noptions:\n");
	run_opts_help(f);
	fprintf(f, "  --chat-template NAME     force a format: bitnet, llama3 or falcon3\n");
}

static const char *forced_format; /* --chat-template, or NULL: the model's */

/* renders a turn (NULL with err: a bad format name; dies) */
static char *rendered(char *text, const trit_error *err)
{
	if (!text)
		die("chat: %s", err->msg);
	return text;
}

/* tokenizes text (special tokens parsed) and runs it; dies when it does not fit */
static void feed_text(struct session *s, trit_sampler *smp, const char *text, int add_bos, float *logits)
{
	int n;
	int32_t *ids = run_tokenize(s, text, strlen(text), add_bos, 1, &n);
	if (!n) {
		free(ids);
		return;
	}
	if (trit_seq_len(s->sess, 0) + (long)n > s->n_ctx)
		die("chat: the conversation no longer fits in the context (%d tokens; use -c)", s->n_ctx);
	run_prefill(s, ids, n, logits, 0);
	for (int i = 0; i < n; i++)
		trit_sampler_accept(smp, ids[i]);
	free(ids);
}

int cmd_chat_session(struct run_opts *o)
{
	if (o->tokens || o->dump_logits)
		die("chat: --tokens and --dump-logits are for 'trit run'");
	struct session s;
	session_open(&s, o, 1);
	trit_error err;
	const char *fmt = forced_format ? forced_format : trit_chat_format(s.model);
	char *start = rendered(trit_chat_start(s.model, fmt, o->sys, &err), &err);
	trit_sampler *smp = trit_sampler_new(s.model, &o->sp);
	if (o->sp.seed < 0 && o->sp.temp > 0)
		fprintf(stderr, "trit: seed %llu\n", (unsigned long long)trit_sampler_seed(smp));
	float *logits = xmalloc((size_t)s.n_vocab * sizeof(float));
	int tty = isatty(0);
	if (tty)
		fprintf(stderr, "trit: chat format %s; type a message, Ctrl-D to end\n", fmt);

	int first = 1;
	char *line = NULL;
	size_t cap = 0;
	for (;;) {
		if (tty)
			fprintf(stderr, "> ");
		ssize_t len = getline(&line, &cap, stdin);
		if (len < 0)
			break;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (!len)
			continue;
		if (first) {
			feed_text(&s, smp, start, 1, logits);
			first = 0;
		}
		char *turn = rendered(trit_chat_user(s.model, fmt, line, &err), &err);
		feed_text(&s, smp, turn, 0, logits);
		free(turn);
		run_generate(&s, smp, logits, o->n_predict, 0, 1, stdout);
		printf("\n");
		fflush(stdout);
		char *after = rendered(trit_chat_after_reply(s.model, fmt, &err), &err);
		feed_text(&s, smp, after, 0, logits);
		free(after);
	}
	free(line);
	free(start);
	if (!o->no_perf)
		run_print_perf(&s);
	free(logits);
	trit_sampler_free(smp);
	session_close(&s);
	return 0;
}

int cmd_chat(int argc, char **argv)
{
	struct run_opts o;
	run_opts_default(&o);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--chat-template")) {
			if (i + 1 >= argc)
				die("chat: --chat-template needs one of bitnet, llama3, falcon3");
			forced_format = argv[++i]; /* checked by trit_chat_start */
			continue;
		}
		if (!run_opts_parse_one(&o, argc, argv, &i))
			die("chat: unknown option '%s' (see 'trit chat --help')", argv[i]);
	}
	return cmd_chat_session(&o);
}
