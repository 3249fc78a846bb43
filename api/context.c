#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "config.h"

int api_fail(trit_error *err, int code, const struct error *e)
{
	if (err) {
		err->code = code;
		snprintf(err->msg, sizeof err->msg, "%s", e->msg);
	}
	return code;
}

int api_failf(trit_error *err, int code, const char *fmt, ...)
{
	if (err) {
		err->code = code;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *trit_version(void) { return TRIT_VERSION; }

void trit_ctx_options_default(trit_ctx_options *o) { memset(o, 0, sizeof(*o)); }

/* a set flag: present, not empty and not "0" */
static int env_flag(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") != 0;
}

void trit_ctx_options_from_env(trit_ctx_options *o)
{
	static char dir[4096];
	const char *d = getenv("TRIT_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	if (d && *d)
		snprintf(dir, sizeof dir, "%s", d);
	else if (x && *x)
		snprintf(dir, sizeof dir, "%s/trit", x);
	else
		snprintf(dir, sizeof dir, "%s/.cache/trit", h && *h ? h : "/tmp");
	o->cache_dir = dir;
	o->cpu_disable = getenv("TRIT_CPU_DISABLE");
	o->no_jit = env_flag("TRIT_NO_JIT");
	o->no_fuse = env_flag("TRIT_NO_FUSE");
	o->no_tune = env_flag("TRIT_NO_TUNE");
	o->verbose = env_flag("TRIT_VERBOSE");
}

trit_ctx *trit_ctx_init(const trit_ctx_options *o, trit_error *err)
{
	trit_ctx_options def;
	if (!o) {
		trit_ctx_options_default(&def);
		o = &def;
	}
	struct ctx_config cfg = {
		.cache_dir = o->cache_dir,
		.cpu_disable = o->cpu_disable,
		.no_jit = o->no_jit,
		.no_fuse = o->no_fuse,
		.no_tune = o->no_tune,
		.verbose = o->verbose,
		.log = {o->log, o->log_user},
	};
	trit_ctx *c = xcalloc(1, sizeof(*c));
	struct error e;
	if (rctx_init(&c->rt, &cfg, &e) < 0) {
		free(c);
		api_fail(err, TRIT_ERR_ARG, &e);
		return NULL;
	}
	return c;
}

void trit_ctx_finish(trit_ctx *c)
{
	if (!c)
		return;
	rctx_finish(&c->rt);
	free(c);
}

const char *trit_ctx_cache_dir(const trit_ctx *c) { return c->rt.cache_dir; }
