#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli/cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{"run", cmd_run, "generate text from a prompt (llama.cpp-style flags)"},
	{"chat", cmd_chat, "interactive chat with a model's chat format"},
	{"perplexity", cmd_perplexity, "perplexity of a model over a text file"},
	{"bench", cmd_bench, "kernel and whole-model benchmarks (pp/tg tables)"},
	{"tune", cmd_tune, "autotune kernels for this CPU"},
	{"aot", cmd_aot, "emit ahead-of-time kernel objects and a header"},
	{"gen", cmd_gen, "print a kernel's LLVM IR or assembly"},
	{"kernel", cmd_kernel, "run one kernel spec on given buffers"},
	{"convert", cmd_convert, "convert a GGUF model between storage types"},
	{"mkmodel", cmd_mkmodel, "write a seeded random model for any architecture"},
	{"info", cmd_info, "describe a model file, the kernels chosen and the cache"},
	{"cache", cmd_cache, "list or clear the kernel cache"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: trit COMMAND [ARGS]   (trit COMMAND --help for its options)\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("trit %s (LLVM %s)\n", TRIT_VERSION, TRIT_LLVM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "trit: unknown command '%s'; run 'trit --help' for the list\n", argv[1]);
	return 1;
}
