#include <stdio.h>

#include "base/util.h"
#include "cli/cli.h"

static void log_stderr(void *user, int level, const char *msg)
{
	(void)user;
	fprintf(stderr, level <= TRIT_LOG_WARN ? "trit: warning: %s\n" : "trit: %s\n", msg);
}

trit_ctx *cli_ctx(void)
{
	trit_ctx_options co;
	trit_ctx_options_from_env(&co);
	co.log = log_stderr;
	trit_error err;
	trit_ctx *c = trit_ctx_init(&co, &err);
	if (!c)
		die("%s", err.msg);
	return c;
}
