/* kernel.h: the kernel ABI shared by generated, AOT and reference kernels; per-token activation
 * quantization; the weight packers (one per kind, driven by the spec); the scalar reference
 * kernels that define correctness; and the legality rules for specs. No LLVM here: the runtime
 * links this without it. */
#ifndef TRIT_KERNEL_H
#define TRIT_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "base/cpu.h"
#include "base/util.h"
#include "ir/ir.h"

/* Arguments of every kernel. A kernel computes, for tokens t < n and rows r in [row0, row1),
 *   y[t*ldy + r] = sum_k W[r][k] * x[t*ldx + k]     (exact int32)
 * reading W from the packed layout pack_weights() produced for the same spec. */
struct kernel_args {
	const uint8_t *w;   /* packed weights of the whole matrix */
	const int8_t *x;    /* int8 activations, token t at x + t*ldx */
	int32_t *y;         /* outputs, token t row r at y[t*ldy + r] */
	int64_t ldx, ldy;
	int32_t n;          /* tokens in this call, 1 <= n <= spec.n */
	int32_t row0, row1; /* rows to compute: row0 % bm == 0, row1 % bm == 0 or row1 == m */
	void *scratch;      /* kernel_scratch_size() bytes, 64-byte aligned, owned by the calling thread */
};

/* the fixed C signature of every kernel */
typedef void (*kernel_fn)(const struct kernel_args *a);

/* Quantizes one token (the numerical contract, docs/kernels.md §1):
 *   amax = max(max|x|, 1e-5); s = 127/amax; q = clamp(round_half_even(x*s), -127, 127)
 * Returns s. Runs the fastest form this CPU has; every form gives the same bytes. */
float quantize_act(const float *x, int64_t k, int8_t *q);
/* the same in plain C, the definition */
float quantize_act_ref(const float *x, int64_t k, int8_t *q);
/* quantizes x with every form this CPU can run (plain C first) into q[i], s[i]; returns how many (for tests) */
int quantize_act_forms(const float *x, int64_t k, int8_t *const q[3], float s[3]);
/* the output of one row: (float)acc * (alpha / s), the one multiply the contract fixes */
static inline float dequant_out(int32_t acc, float alpha, float s) { return (float)acc * (alpha / s); }

/* 0 when the spec is legal for its kind (divisibility, int16-overflow bounds: TL1 bk <= 256,
 * TL2 bk <= 240, ...), else -1 with a message saying which constraint failed and what would pass */
int spec_legal(const struct kernel_spec *s, struct error *e);
/* 1 when a CPU with features c can run kernels of this ISA tier */
int isa_available(enum isa i, const struct cpu_info *c);
/* the best ISA tier of c for kernels of kind k taking n tokens per call: AMX for I2S batches (n > 1)
 * where c grants it, else the widest vector tier (ISA_SCALAR when no SIMD tier applies) */
enum isa isa_best(enum kernel_kind k, int32_t n, const struct cpu_info *c);
/* fills s with a legal spec for kind/isa/m/k/n whose tiles come from c's L1/L2 sizes;
 * -1 with a message when the kind cannot handle this shape at all */
int spec_default(struct kernel_spec *s, enum kernel_kind kind, enum isa isa, int32_t m, int32_t k,
                 int32_t n, const struct cpu_info *c, struct error *e);
/* bytes of the packed weights of a legal spec */
size_t pack_size(const struct kernel_spec *s);
/* scratch bytes a kernel of this spec needs per calling thread (LUTs); may be 0 */
size_t kernel_scratch_size(const struct kernel_spec *s);
/* packs t (m×k, row-major, values -1/0/+1) into out (pack_size bytes) */
void pack_weights(const struct kernel_spec *s, const int8_t *t, uint8_t *out);
/* unpacks back to t (m×k) */
void unpack_weights(const struct kernel_spec *s, const uint8_t *packed, int8_t *t);

/* the scalar reference kernel of s's kind, reading the packed layout (TL kinds through their
 * int16 LUTs, exactly as the generated code does) */
void ref_kernel(const struct kernel_spec *s, const struct kernel_args *a);
/* the plain definition: y[t][r] = sum_k t[r][k]*x[t][k] over an unpacked m×k ternary matrix */
void ref_dense(const int8_t *t, int32_t m, int32_t k, const int8_t *x, int64_t ldx, int32_t n,
               int32_t *y, int64_t ldy);

#endif
