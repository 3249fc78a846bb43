/* emit.h: shared LLVM-C builder helpers of the kernel generator (constants, vector types,
 * target intrinsics, counted loops, the kernel_args fields) and the per-kind emitters.
 * requires: llvm */
#ifndef TRIT_EMIT_H
#define TRIT_EMIT_H

#include <llvm-c/Core.h>

#include "base/util.h"
#include "kernel/kernel.h"

/* state of one kernel function being built */
struct emit {
	LLVMContextRef c;
	LLVMModuleRef m;
	LLVMBuilderRef b;
	LLVMValueRef fn;
	LLVMBasicBlockRef entry; /* allocas go here */
	const struct kernel_spec *s;
	LLVMTypeRef i1, i8, i16, i32, i64, ptr;
	/* the kernel_args fields, loaded at entry */
	LLVMValueRef w, x, y, ldx, ldy, n, row0, row1, scratch;
	int vbytes; /* vector width in bytes of the spec's ISA tier (32 or 64) */
};

/* a counted loop for (i = start; i < end; i += step) built with e_loop_begin/e_loop_end */
struct loop {
	LLVMValueRef iv; /* alloca of the induction variable */
	LLVMValueRef i;  /* its value inside the body */
	LLVMValueRef step;
	LLVMBasicBlockRef head, exit;
};

/* <n x t> */
LLVMTypeRef e_vec(struct emit *e, LLVMTypeRef t, unsigned n);
/* integer constants of type t, and a splat of v over a vector type vt */
LLVMValueRef e_const(LLVMTypeRef t, long long v);
LLVMValueRef e_i32(struct emit *e, long long v);
LLVMValueRef e_i64(struct emit *e, long long v);
LLVMValueRef e_splat(LLVMTypeRef vt, long long v);
/* calls the intrinsic `name` (overloaded on ov[0..nov)), bitcasting each argument to the
 * declared parameter type; the result has the declared return type */
LLVMValueRef e_intrinsic(struct emit *e, const char *name, LLVMTypeRef *ov, unsigned nov,
                         LLVMValueRef *args, unsigned nargs);
/* bitcast v to type t (no-op when equal) */
LLVMValueRef e_cast(struct emit *e, LLVMValueRef v, LLVMTypeRef t);
/* p + off bytes (off: i64 value) */
LLVMValueRef e_gep(struct emit *e, LLVMValueRef p, LLVMValueRef off);
/* loads/stores with alignment 1 (caller buffers have no alignment promise) */
LLVMValueRef e_load(struct emit *e, LLVMTypeRef t, LLVMValueRef p);
void e_store(struct emit *e, LLVMValueRef v, LLVMValueRef p);
/* an entry-block alloca of t, zero-initialised at the current position when zero is set */
LLVMValueRef e_alloca(struct emit *e, LLVMTypeRef t, int zero);
/* a read prefetch of the cache line at p */
void e_prefetch(struct emit *e, LLVMValueRef p);
/* horizontal integer sum of a vector */
LLVMValueRef e_reduce_add(struct emit *e, LLVMValueRef v);
/* sign-extending / truncating integer conversions */
LLVMValueRef e_sext(struct emit *e, LLVMValueRef v, LLVMTypeRef t);
/* min of two signed i32 values */
LLVMValueRef e_smin(struct emit *e, LLVMValueRef a, LLVMValueRef b);
/* opens a loop over [start, end) (i32 or i64 values of one type) with a constant step */
void e_loop_begin(struct emit *e, struct loop *l, LLVMValueRef start, LLVMValueRef end, long long step);
/* closes it: increments and branches back; the builder continues after the loop */
void e_loop_end(struct emit *e, struct loop *l);
/* a u8 x s8 dot step of the tier: acc (<vbytes/4 x i32>) + per-4-byte sums of a*b; for AVX2
 * this is pmaddubsw + pmaddwd(1) + add (exact while |pairs| stay below 2^15) */
LLVMValueRef e_dot_u8s8(struct emit *e, LLVMValueRef acc, LLVMValueRef a_u8, LLVMValueRef b_s8,
                        unsigned bytes);

/* One section of a LUT kernel's packed weights: 4-bit indices of `units` pairs or triples, two
 * rows per byte (row j low nibble, row j+16 high nibble), 16 bytes per unit per row group of 32;
 * optionally a uint32 sign word per unit per row group (TL2). The kernel builds each token's
 * LUT in scratch in its own chunked order (32 bytes per unit: the same size docs/kernels.md
 * gives, so kernel_scratch_size() holds). */
struct tl_section {
	int units;                      /* pairs or triples in the section */
	int arity;                      /* activations per unit: 2 or 3 */
	int x_col;                      /* first activation column of the section */
	long long w_off, w_stride;      /* nibble bytes: section start, bytes per row group */
	long long s_off, s_stride;      /* sign words: start (< 0: none) and bytes per row group */
	long long lut_off;              /* offset of the section's LUT in a token's LUT */
	int max_flush;                  /* units per int16 tile that provably cannot overflow */
	const signed char (*coef)[3];   /* entry i (< 16) = Σ_a coef[i][a]·q[a] */
};

/* emits a whole TL kernel over the given sections (the tiles come from e->s) */
int emit_tl(struct emit *e, const struct tl_section *sec, int nsec, struct error *err);

/* per-kind bodies: emit the whole function body of e->s; 0 or -1 with a message. gen/emit.c groups
 * them into the emitter sets that ir/isa.def's emit column names (emit_<name>_set); a new ISA's
 * emitters join a set there. */
int emit_i2s(struct emit *e, struct error *err);
/* the I2S body on AMX-INT8 tiles (gen/emit_amx.c) */
int emit_i2s_amx(struct emit *e, struct error *err);
int emit_tl1(struct emit *e, struct error *err);
int emit_tl2(struct emit *e, struct error *err);
/* the portable (ISA_SCALAR) body of any kind, from generic IR only (no target intrinsics) */
int emit_portable(struct emit *e, struct error *err);

#endif
