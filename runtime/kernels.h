/* kernels.h: picks and provides the BitLinear kernels the runtime calls: the kind (i2s, tl1, tl2,
 * or the portable reference), the ISA tier of this CPU, a spec from the cache sizes, and the
 * function (JIT-compiled when built with LLVM, else the scalar reference). */
#ifndef TRIT_KERNELS_H
#define TRIT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "gen/kernel.h"

/* what --kernel asked for */
enum kernel_choice { KC_AUTO, KC_I2S, KC_TL1, KC_TL2, KC_REF };

/* one kernel ready to call: its spec and function (fn NULL = ref_kernel of the spec; dense = the
 * plain int8 matrix through ref_dense, for shapes no kind can hold) */
struct kernel_handle {
	struct kernel_spec spec;
	kernel_fn fn;
	int dense;
	size_t scratch; /* kernel_scratch_size(spec) */
};

struct kernel_provider {
	enum kernel_choice choice;
	const struct cpu_info *cpu;
	void *jit; /* struct jit * when built with LLVM and JIT use is possible */
	int jit_failed_warned;
};

/* parses "auto", "i2s", "tl1", "tl2" or "ref"; -1 when unknown */
int kernel_choice_parse(const char *s, enum kernel_choice *out);
/* prepares a provider (creates the JIT when built with LLVM and the choice is not ref) */
int kprov_init(struct kernel_provider *p, enum kernel_choice choice, struct error *e);
/* frees the JIT */
void kprov_free(struct kernel_provider *p);
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
/* "i2s/avx2 bm=.. bk=.." style description for logs */
void khandle_describe(const struct kernel_handle *h, char *buf, size_t len);

#endif
