#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_common.h"
#include "runtime/chat.h"

int cmd_chat_session(struct run_opts *o);

static void usage(FILE *f)
{
	fprintf(f, "usage: trit chat [-m FILE] [-sys TEXT] [options]\n\n"
	           "Chats with a model: each line read from standard input is one user turn (ends at EOF).\n"
	           "The chat format (bitnet, llama3, falcon3) is detected from the model.\n\noptions:\n");
	run_opts_help(f);
	fprintf(f, "  --chat-template NAME     force a format: bitnet, llama3 or falcon3\n");
}

static enum chat_format forced_format;
static int format_forced;

/* tokenizes text (special tokens parsed) and runs it; dies when it does not fit */
static void feed_text(struct session *s, struct sampler *smp, const char *text, int add_bos, float *logits)
{
	struct error e;
	int32_t *ids = NULL;
	size_t n = 0;
	if (tokenizer_encode(s->tok, text, strlen(text), add_bos, 1, &ids, &n, &e) < 0)
		die("%s", e.msg);
	if (!n)
		return;
	if (s->fwd.n_past + (long)n > s->fwd.n_ctx)
		die("chat: the conversation no longer fits in the context (%d tokens; use -c)", s->fwd.n_ctx);
	run_prefill(s, ids, (int)n, logits, 0);
	for (size_t i = 0; i < n; i++)
		sampler_accept(smp, ids[i]);
	free(ids);
}

int cmd_chat_session(struct run_opts *o)
{
	if (o->tokens || o->dump_logits)
		die("chat: --tokens and --dump-logits are for 'trit run'");
	struct session s;
	session_open(&s, o, 1);
	enum chat_format fmt = format_forced ? forced_format : chat_detect(&s.model.g);
	struct sampler *smp = sampler_new(&o->sp, s.model.d.n_vocab);
	if (o->sp.seed < 0 && o->sp.temp > 0)
		fprintf(stderr, "trit: seed %llu\n", (unsigned long long)smp->seed);
	float *logits = xmalloc((size_t)s.model.d.n_vocab * sizeof(float));
	int tty = isatty(0);
	if (tty)
		fprintf(stderr, "trit: chat format %s; type a message, Ctrl-D to end\n", chat_format_name(fmt));

	char *start = chat_render_start(fmt, o->sys);
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
			feed_text(&s, smp, start, tokenizer_add_bos(s.tok), logits);
			first = 0;
		}
		char *turn = chat_render_user(fmt, line);
		feed_text(&s, smp, turn, 0, logits);
		free(turn);
		run_generate(&s, smp, logits, o->n_predict, 0, 1, stdout);
		printf("\n");
		fflush(stdout);
		char *after = chat_render_after_reply(fmt);
		feed_text(&s, smp, after, 0, logits);
		free(after);
	}
	free(line);
	free(start);
	if (!o->no_perf)
		run_print_perf(&s);
	free(logits);
	sampler_free(smp);
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
			if (i + 1 >= argc || chat_format_parse(argv[i + 1], &forced_format) < 0)
				die("chat: --chat-template needs one of bitnet, llama3, falcon3");
			format_forced = 1;
			i++;
			continue;
		}
		if (!run_opts_parse_one(&o, argc, argv, &i))
			die("chat: unknown option '%s' (see 'trit chat --help')", argv[i]);
	}
	return cmd_chat_session(&o);
}
