/* jit.h: compiles kernel specs to machine code with LLVM ORC LLJIT, through a disk cache of
 * objects keyed by XXH3-128 (spec, triple, CPU, features, LLVM and generator versions), and
 * emits ahead-of-time objects for any target. requires: llvm */
#ifndef TRIT_JIT_H
#define TRIT_JIT_H

#include "base/cpu.h"
#include "base/log.h"
#include "base/util.h"
#include "kernel/kernel.h"

struct jit;

/* what a JIT works with */
struct jit_config {
	const char *cache_dir;      /* the kernel objects go to cache_dir/kernels */
	const struct cpu_info *cpu; /* what ISA availability is judged against (features may be masked) */
	int verbose;                /* log each kernel compiled or loaded, at LOG_INFO */
	struct log_sink log;        /* warnings (an unwritable cache) and the verbose lines */
};

/* a JIT for the host CPU as c says */
struct jit *jit_create(const struct jit_config *c, struct error *e);
/* frees the JIT and all its code */
void jit_destroy(struct jit *j);
/* the kernel for s, from memory, the disk cache, or compiled now; NULL with a message when the
 * spec is illegal or its ISA is not available on this CPU (refused before LLVM sees it) */
kernel_fn jit_kernel(struct jit *j, const struct kernel_spec *s, struct error *e);
/* counters since creation: kernels compiled, loaded from the disk cache, seconds spent */
void jit_stats(const struct jit *j, int *compiled, int *cache_hits, double *seconds);
/* the path of the disk-cache file that holds (or would hold) the kernel for s */
void jit_cache_path(const struct jit *j, const struct kernel_spec *s, char *buf, size_t len);

#endif
