/* tools.h: what the tools of api/ (tool_*.c: trit gen, aot, kernel, cache, info, bench --kernels) share */
#ifndef TRIT_API_TOOLS_H
#define TRIT_API_TOOLS_H

#include "api/internal.h"
#include "config.h"
#include "kernel/model_specs.h"

/* parses the kinds ("i2s,tl1") and batch ("1,64") lists; their counts, or a negative trit_status */
int tool_parse_lists(const char *kinds_s, const char *batch_s, enum kernel_kind kinds[MAX_LIST], int *nk,
                     int32_t batches[MAX_LIST], int *nb, trit_error *err);
/* the kernel specs a model description needs for those kinds and batch sizes at isa (< 0: the best
 * per kind and batch on the context's CPU); the count (*out malloc'd) or a negative trit_status */
int tool_model_specs(trit_ctx *c, const char *model, const enum kernel_kind *kinds, int nk,
                     const int32_t *batches, int nb, int isa, struct kernel_spec **out, trit_error *err);

#if TRIT_HAVE_LLVM
struct jit;
/* *j: the JIT a tool compiles with, the context's shared one, or one of its own (also in *own, for
 * the caller to jit_destroy; else NULL) when the context was made with no_jit; 0 or a negative trit_status */
int tool_jit(trit_ctx *c, struct jit **j, struct jit **own, trit_error *err);
#endif

#endif
