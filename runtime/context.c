#include <stdio.h>
#include <string.h>

#include "config.h"
#include "kernel/model_specs.h"
#include "runtime/context.h"
#if TRIT_HAVE_LLVM
#include "jit/jit.h"
#endif

int rctx_init(struct runtime_ctx *c, const struct ctx_config *cfg, struct error *e)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	if (cfg->cache_dir && strlen(cfg->cache_dir) >= sizeof c->cache_dir - 64)
		return errorf(e, "the cache directory path is too long (%zu bytes)", strlen(cfg->cache_dir));
	snprintf(c->cache_dir, sizeof c->cache_dir, "%s", cfg->cache_dir ? cfg->cache_dir : "");
	c->cfg.cache_dir = c->cache_dir;
	c->cfg.cpu_disable = NULL;
	c->cpu = *cpu_host();
	kernel_cpu_mask(&c->cpu, cfg->cpu_disable);
	pthread_mutex_init(&c->lock, NULL);
	tune_site_init(&c->site, c->cache_dir, &c->cpu, c->cfg.log);
	tune_table_init(&c->records, &c->site, c->cfg.log);
	c->kenv = (struct kernel_env){.cpu = &c->cpu, .cache_dir = c->cache_dir, .log = &c->cfg.log,
	                              .records = cfg->no_tune || !c->cache_dir[0] ? NULL : &c->records};
	return 0;
}

void rctx_finish(struct runtime_ctx *c)
{
#if TRIT_HAVE_LLVM
	if (c->jit)
		jit_destroy(c->jit);
#endif
	tune_table_free(&c->records);
	pthread_mutex_destroy(&c->lock);
	memset(c, 0, sizeof(*c));
}

const struct kernel_env *rctx_kernel_env(struct runtime_ctx *c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->jit_tried && !c->cfg.no_jit) {
		c->jit_tried = 1;
#if TRIT_HAVE_LLVM
		struct jit_config jc = {.cache_dir = c->cache_dir, .cpu = &c->cpu, .verbose = c->cfg.verbose,
		                        .log = c->cfg.log};
		struct error je;
		c->jit = jit_create(&jc, &je);
		if (!c->jit)
			log_to(&c->cfg.log, LOG_WARN, "JIT unavailable (%s); using the AOT or reference kernels", je.msg);
#endif
		c->kenv.jit = c->jit;
	}
	pthread_mutex_unlock(&c->lock);
	return &c->kenv;
}
