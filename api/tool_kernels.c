/* tool_kernels.c: the kernel tools' option defaults and shared steps, and what the tools that
 * compile answer in a build without LLVM */
#include <stdlib.h>
#include <string.h>

#include "api/tools.h"
#include "format/model_meta.h"
#include "ir/ir.h"

int trit_can_compile(void) { return TRIT_HAVE_LLVM; }

void trit_gen_options_default(trit_gen_options *o)
{
	memset(o, 0, sizeof(*o));
	o->emit = "ll";
}

void trit_aot_options_default(trit_aot_options *o)
{
	memset(o, 0, sizeof(*o));
	o->kinds = "i2s";
	o->batch = "1";
}

void trit_kernel_options_default(trit_kernel_options *o) { memset(o, 0, sizeof(*o)); }

void trit_cache_warm_options_default(trit_cache_warm_options *o)
{
	memset(o, 0, sizeof(*o));
	o->kinds = "i2s";
	o->batch = "1";
}

int tool_parse_lists(const char *kinds_s, const char *batch_s, enum kernel_kind kinds[MAX_LIST], int *nk,
                     int32_t batches[MAX_LIST], int *nb, trit_error *err)
{
	struct error e;
	*nk = parse_kind_list(kinds_s ? kinds_s : "i2s", kinds, &e);
	if (*nk < 0)
		return api_failf(err, TRIT_ERR_ARG, "--kinds: %s", e.msg);
	*nb = parse_batch_list(batch_s ? batch_s : "1", batches, &e);
	if (*nb < 0)
		return api_failf(err, TRIT_ERR_ARG, "--batch: %s", e.msg);
	return 0;
}

int tool_model_specs(trit_ctx *c, const char *model, const enum kernel_kind *kinds, int nk,
                     const int32_t *batches, int nb, int isa, struct kernel_spec **out, trit_error *err)
{
	if (!model)
		return api_failf(err, TRIT_ERR_ARG, "no model description given");
	struct error e;
	struct model_desc m;
	if (model_desc_load(model, &m, &e) < 0)
		return api_fail(err, TRIT_ERR_FORMAT, &e);
	int n = model_kernel_specs(&m, kinds, nk, batches, nb, isa, &c->rt.cpu, &c->rt.cfg.log, out, &e);
	return n < 0 ? api_fail(err, TRIT_ERR_ARG, &e) : n;
}

#if !TRIT_HAVE_LLVM

static int without_llvm(trit_error *err)
{
	return api_failf(err, TRIT_ERR_UNSUPPORTED, "this trit was built without LLVM");
}

int trit_gen(trit_ctx *c, const trit_gen_options *o, FILE *out, trit_error *err)
{
	(void)c, (void)o, (void)out;
	return without_llvm(err);
}

int trit_aot(trit_ctx *c, const trit_aot_options *o, trit_error *err)
{
	(void)c, (void)o;
	return without_llvm(err);
}

int trit_kernel_run(trit_ctx *c, const trit_kernel_options *o, FILE *out, trit_error *err)
{
	(void)c, (void)o, (void)out;
	return without_llvm(err);
}

int trit_cache_warm(trit_ctx *c, const trit_cache_warm_options *o, FILE *out, trit_error *err)
{
	(void)c, (void)o, (void)out;
	return without_llvm(err);
}

#endif
