/* context.h: what a program's use of trit shares: the cache directory, the CPU the kernels are chosen
 * for (host features less the ones the caller disables), one JIT for every model, the tuning records,
 * the log sink and the flags. Nothing below reads the environment: the caller fills ctx_config
 * (the public API's trit_ctx_options_from_env does it from TRIT_* variables). */
#ifndef TRIT_CONTEXT_H
#define TRIT_CONTEXT_H

#include <pthread.h>

#include "base/cpu.h"
#include "base/log.h"
#include "base/util.h"
#include "tune/tunedb.h"

struct ctx_config {
	const char *cache_dir;   /* kernels and tuning records live here; NULL = no disk cache (compile in memory) */
	const char *cpu_disable; /* comma-separated CPU features to treat as absent ("avx512vnni,amx"), or NULL */
	int no_jit;              /* never compile: AOT or reference kernels only */
	int no_fuse;             /* keep q/k/v and gate/up as separate matrices */
	int no_tune;             /* ignore the tuning records */
	int verbose;             /* log each kernel compiled or loaded */
	struct log_sink log;
};

/* the kernel side of a context, as the kernel provider uses it */
struct kernel_env {
	const struct cpu_info *cpu;
	void *jit;               /* struct jit *, or NULL when there is none (no LLVM, no_jit, or it failed) */
	const char *cache_dir;
	struct tune_table *records; /* the tuned specs, or NULL (no_tune, or no cache directory) */
	const struct log_sink *log;
};

struct runtime_ctx {
	char cache_dir[4096];
	struct cpu_info cpu;
	struct ctx_config cfg;   /* the flags and sink (strings copied above) */
	struct tune_site site;   /* the tuning records' directory and CPU */
	struct tune_table records;
	pthread_mutex_t lock;
	void *jit;
	int jit_tried;
	struct kernel_env kenv;
};

/* sets up a context from cfg (nothing is created on disk until a kernel is cached) */
int rctx_init(struct runtime_ctx *c, const struct ctx_config *cfg, struct error *e);
/* frees the JIT and everything else */
void rctx_finish(struct runtime_ctx *c);
/* the kernel environment, creating the shared JIT on first use (thread-safe) */
const struct kernel_env *rctx_kernel_env(struct runtime_ctx *c);
/* a one-word name of what makes the kernels: "jit", "aot" or "reference" */
const char *rctx_code_source(struct runtime_ctx *c);

#endif
