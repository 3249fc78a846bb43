/* tool_jit.c: the JIT the kernel tools compile with. requires: llvm */
#include "api/tools.h"
#include "jit/jit.h"

int tool_jit(trit_ctx *c, struct jit **j, struct jit **own, trit_error *err)
{
	*own = NULL;
	*j = c->rt.cfg.no_jit ? NULL : rctx_kernel_env(&c->rt)->jit;
	if (*j)
		return 0;
	/* no_jit keeps a model's kernels off the JIT; a tool whose work is compiling makes one anyway */
	struct jit_config jc = {.cache_dir = c->rt.cache_dir, .cpu = &c->rt.cpu, .verbose = c->rt.cfg.verbose,
	                        .log = c->rt.cfg.log};
	struct error e;
	*j = *own = jit_create(&jc, &e);
	return *j ? 0 : api_fail(err, TRIT_ERR_UNSUPPORTED, &e);
}
