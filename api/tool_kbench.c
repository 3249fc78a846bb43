/* tool_kbench.c: trit_bench_kernels, the kernel benchmark of tune/kbench.c (which needs LLVM), on
 * the context's CPU and JIT; with no_jit set the context has none, and one is made for the run (the
 * generated kernels are what is measured). */
#include <string.h>

#include "api/tools.h"
#if TRIT_HAVE_LLVM
#include "jit/jit.h"
#include "tune/kbench.h"
#endif

void trit_bench_kernels_options_default(trit_bench_kernels_options *o)
{
	memset(o, 0, sizeof(*o));
	o->reps = 20;
}

int trit_bench_kernels(trit_ctx *c, const trit_bench_kernels_options *opt, FILE *out, trit_error *err)
{
#if TRIT_HAVE_LLVM
	trit_bench_kernels_options def;
	if (!opt) {
		trit_bench_kernels_options_default(&def);
		opt = &def;
	}
	if (opt->reps < 1)
		return api_failf(err, TRIT_ERR_ARG, "bench --kernels: --reps needs a number from 1 to 100000, got %d",
		                 opt->reps);
	struct jit *j, *own;
	int rc = tool_jit(c, &j, &own, err);
	if (rc < 0)
		return rc;
	struct kbench_options o = {opt->reps, opt->quick, opt->csv, opt->plot, j, &c->rt.site,
	                           rctx_kernel_env(&c->rt)->records};
	struct error e;
	rc = kbench_run(&o, out, &e);
	jit_destroy(own);
	return rc < 0 ? api_fail(err, TRIT_ERR_IO, &e) : TRIT_OK;
#else
	(void)c, (void)opt, (void)out;
	return api_failf(err, TRIT_ERR_UNSUPPORTED,
	                 "bench: --kernels needs the generated kernels; this trit was built without LLVM");
#endif
}
