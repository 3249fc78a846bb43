/* tool_warm.c: trit_cache_warm, every kernel a model needs compiled into (or found in) the kernel
 * cache by the context's JIT. requires: llvm */
#include <stdlib.h>

#include "api/tools.h"
#include "jit/jit.h"

int trit_cache_warm(trit_ctx *c, const trit_cache_warm_options *o, FILE *out, trit_error *err)
{
	enum kernel_kind kinds[MAX_LIST];
	int32_t batches[MAX_LIST];
	int nk, nb;
	int rc = tool_parse_lists(o->kinds, o->batch, kinds, &nk, batches, &nb, err);
	if (rc < 0)
		return rc;
	struct kernel_spec *specs;
	int n = tool_model_specs(c, o->model, kinds, nk, batches, nb, -1, &specs, err);
	if (n < 0)
		return n;
	double t0 = now_seconds();
	struct jit *j, *own;
	if ((rc = tool_jit(c, &j, &own, err)) < 0) {
		free(specs);
		return rc;
	}
	/* the shared JIT may have worked before: count from here */
	int compiled0, hits0, compiled, hits;
	double secs0, secs;
	jit_stats(j, &compiled0, &hits0, &secs0);
	struct error e;
	for (int i = 0; i < n && rc == 0; i++)
		if (!jit_kernel(j, &specs[i], &e))
			rc = api_fail(err, TRIT_ERR_ARG, &e);
	if (rc == 0) {
		jit_stats(j, &compiled, &hits, &secs);
		fprintf(out, "compiled %d, cached %d (%d kernels, %.1f ms in the JIT, %.1f ms total)\n", compiled - compiled0,
		        hits - hits0, n, (secs - secs0) * 1e3, (now_seconds() - t0) * 1e3);
	}
	if (own)
		jit_destroy(own);
	free(specs);
	return rc;
}
