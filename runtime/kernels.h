/* kernels.h: picks and provides the BitLinear kernels the runtime calls: the kind (i2s, tl1, tl2,
 * or the portable reference), the ISA tier of this CPU, a spec (the one `trit tune` measured
 * fastest for the shape when there is one, else one from the cache sizes), and the function
 * (JIT-compiled when built with LLVM, else linked in from a `trit aot` object, else the scalar
 * reference). */
#ifndef TRIT_KERNELS_H
#define TRIT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "kernel/kernel.h"
#include "runtime/context.h"

/* what --kernel asked for */
enum kernel_choice { KC_AUTO, KC_I2S, KC_TL1, KC_TL2, KC_REF };

/* where a handle's spec came from */
enum kernel_origin { KORIGIN_HEURISTIC, KORIGIN_TUNED };
/* where a handle's code comes from */
enum kernel_code { KCODE_REF, KCODE_JIT, KCODE_AOT };

/* one kernel ready to call: its spec and function (fn NULL = ref_kernel of the spec; dense = the
 * plain int8 matrix through ref_dense, for shapes no kind can hold) */
struct kernel_handle {
	struct kernel_spec spec;
	kernel_fn fn;
	int dense;
	size_t scratch; /* kernel_scratch_size(spec) */
	/* calls with n < small_below run small_fn instead: the vector-tier GEMM of the same shape and
	 * packed layout, for an amx GEMM (which computes every call as 32 tokens); NULL when none */
	kernel_fn small_fn;
	int32_t small_below;
	enum kernel_origin origin;
	enum kernel_code code;
};

struct kernel_provider {
	enum kernel_choice choice;
	const struct kernel_env *env;
	const struct cpu_info *cpu;
	void *jit; /* the environment's struct jit * unless the choice is ref; borrowed */
	int jit_failed_warned;
	int plan_only; /* picks specs without making code (kprov_init_plan) */
};

/* parses "auto", "i2s", "tl1", "tl2" or "ref"; -1 when unknown */
int kernel_choice_parse(const char *s, enum kernel_choice *out);
/* prepares a provider working in env (its CPU, JIT and tuning records; NULL: the host CPU's AOT or
 * reference kernels, no tuning) */
void kprov_init(struct kernel_provider *p, enum kernel_choice choice, const struct kernel_env *env);
/* prepares a provider that only tells which kernels kprov_init's would pick (kprov_get fills the
 * specs, origins and expected code sources; fn stays NULL and nothing is compiled): for `trit info` */
void kprov_init_plan(struct kernel_provider *p, enum kernel_choice choice, const struct kernel_env *env);
/* the GEMV (n=1) and GEMM (n=tile) handles for an m×k matrix; -1 with a message when the forced
 * kind cannot hold the shape */
int kprov_get(struct kernel_provider *p, int32_t m, int32_t k, int32_t tile, struct kernel_handle *gemv,
              struct kernel_handle *gemm, struct error *e);
/* bytes of the packed weights a handle reads */
size_t khandle_pack_size(const struct kernel_handle *h);
/* packs a ternary m×k matrix for the handle's kernel */
void khandle_pack(const struct kernel_handle *h, const int8_t *t, uint8_t *out);
/* runs the handle's kernel */
void khandle_call(const struct kernel_handle *h, const struct kernel_args *a);
/* "i2s/avx2 bm=.. bk=.." style description for logs, with the origin and code source */
void khandle_describe(const struct kernel_handle *h, char *buf, size_t len);
/* kernels the provider's JIT compiled (not found in the disk cache) so far, and the seconds that took */
void kprov_compile_stats(const struct kernel_provider *p, int *compiled, double *seconds);
/* "tuned" or "heuristic" */
const char *korigin_name(enum kernel_origin o);
/* "jit", "aot" or "reference" */
const char *kcode_name(enum kernel_code c);
/* 1 when the JIT's disk cache already holds the object of h's kernel, 0 when it does not, -1 when
 * h's code does not come from the JIT (or there is no JIT) */
int kprov_cached(const struct kernel_provider *p, const struct kernel_handle *h);

#endif
