/* emit_portable.c: the portable (ISA_SCALAR) tier of I2S, TL1 and TL2, built only from generic
 * LLVM IR (vector loads and stores, shifts, ands, compares, selects, sext, mul, add,
 * llvm.vector.reduce.add) so that any LLVM target lowers it: NEON on AArch64, SSE/AVX on x86.
 * No target intrinsics, no LUTs: the TL kinds compute the same exact dot products straight from
 * the packed codes (docs/kernels.md: the contract is exact int32 equality).
 *
 * I2S works along a row: per 128-weight block, (v >> 2g) & 3 gives 32 codes c; (c − 1)·q is
 * summed in int16 (|lane| ≤ 4·127 per block) for at most 64 blocks (≤ 32512), then widened into
 * an int32 vector that is reduced once per row and token.
 * TL1/TL2 work across the 32 rows of a row group: a unit's 16 index bytes give one lane per row
 * (low nibbles rows 0–15, high nibbles rows 16–31); the index is decoded into ternary weights
 * with compares, so each lane adds Σ t_a·q_a, in int16 for at most min(bk/arity, max_flush)
 * units (the legality bound; the sums are exact), then widened into int32 and stored as 32
 * consecutive outputs.
 * requires: llvm */
#include <llvm-c/Core.h>

#include "gen/emit.h"

/* I2S blocks summed in int16 before widening: 64 · 4 · 127 = 32512 */
#define I2S_MAX_FLUSH 64

/* <n x t> with every lane equal to the runtime value v */
static LLVMValueRef splat_value(struct emit *e, LLVMValueRef v, unsigned n)
{
	LLVMTypeRef vt = e_vec(e, LLVMTypeOf(v), n);
	LLVMValueRef one = LLVMBuildInsertElement(e->b, LLVMGetUndef(vt), v, e_i32(e, 0), "");
	return LLVMBuildShuffleVector(e->b, one, LLVMGetUndef(vt), LLVMConstNull(e_vec(e, e->i32, n)), "");
}

/* loads the i32 alloca-held vector at slot, adds v, stores it back */
static void accumulate(struct emit *e, LLVMValueRef slot, LLVMTypeRef t, LLVMValueRef v)
{
	LLVMValueRef a = LLVMBuildLoad2(e->b, t, slot, "");
	LLVMBuildStore(e->b, LLVMBuildAdd(e->b, a, v, ""), slot);
}

/* the i64 byte offset of element (t, idx) in a buffer of elem-byte elements with stride ld */
static LLVMValueRef elem_offset(struct emit *e, LLVMValueRef t, LLVMValueRef ld, LLVMValueRef idx, int elem)
{
	LLVMValueRef t64 = LLVMBuildSExt(e->b, t, e->i64, "");
	LLVMValueRef off = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, t64, ld, ""), LLVMBuildSExt(e->b, idx, e->i64, ""), "");
	return elem == 1 ? off : LLVMBuildMul(e->b, off, e_i64(e, elem), "");
}

/* ---- I2S ---- */

/* adds Σ (c − 1)·q over the 4 groups of block b (i32 value) of row base wr to acc16 */
static void i2s_block(struct emit *e, LLVMValueRef wr, LLVMValueRef xt, LLVMValueRef b, LLVMValueRef acc16)
{
	LLVMTypeRef v8 = e_vec(e, e->i8, 32), v16 = e_vec(e, e->i16, 32);
	LLVMValueRef b64 = LLVMBuildSExt(e->b, b, e->i64, "");
	LLVMValueRef packed = e_load(e, v8, e_gep(e, wr, LLVMBuildMul(e->b, b64, e_i64(e, 32), "")));
	LLVMValueRef xb = e_gep(e, xt, LLVMBuildMul(e->b, b64, e_i64(e, 128), ""));
	LLVMValueRef sum = NULL;
	for (int g = 0; g < 4; g++) {
		LLVMValueRef c = g ? LLVMBuildLShr(e->b, packed, e_splat(v8, 2 * g), "") : packed;
		c = LLVMBuildAnd(e->b, c, e_splat(v8, 3), "");
		LLVMValueRef w = LLVMBuildSub(e->b, c, e_splat(v8, 1), "");
		LLVMValueRef q = e_load(e, v8, e_gep(e, xb, e_i64(e, 32 * g)));
		LLVMValueRef p = LLVMBuildMul(e->b, e_sext(e, w, v16), e_sext(e, q, v16), "");
		sum = sum ? LLVMBuildAdd(e->b, sum, p, "") : p;
	}
	accumulate(e, acc16, v16, sum);
}

static int emit_i2s_portable(struct emit *e, struct error *err)
{
	const struct kernel_spec *s = e->s;
	if (s->k % 128 != 0 || s->bk % 128 != 0 || s->bk < 128)
		return errorf(err, "i2s needs k and bk multiples of 128 (k=%d bk=%d)", s->k, s->bk);
	int nblocks = s->k / 128, tile = s->bk / 128;
	if (tile > I2S_MAX_FLUSH)
		tile = I2S_MAX_FLUSH;
	if (tile > nblocks)
		tile = nblocks;
	LLVMTypeRef v16 = e_vec(e, e->i16, 32), v32 = e_vec(e, e->i32, 32);
	LLVMValueRef acc32 = e_alloca(e, v32, 0), acc16 = e_alloca(e, v16, 0);

	struct loop tok, row, t0, blk;
	e_loop_begin(e, &tok, e_i32(e, 0), e->n, 1);
	LLVMValueRef xt = e_gep(e, e->x, elem_offset(e, tok.i, e->ldx, e_i32(e, 0), 1));
	e_loop_begin(e, &row, e->row0, e->row1, 1);
	LLVMValueRef r64 = LLVMBuildSExt(e->b, row.i, e->i64, "");
	LLVMValueRef wr = e_gep(e, e->w, LLVMBuildMul(e->b, r64, e_i64(e, s->k / 4), ""));
	LLVMBuildStore(e->b, LLVMConstNull(v32), acc32);
	e_loop_begin(e, &t0, e_i32(e, 0), e_i32(e, nblocks), tile);
	LLVMBuildStore(e->b, LLVMConstNull(v16), acc16);
	e_loop_begin(e, &blk, t0.i, e_smin(e, LLVMBuildAdd(e->b, t0.i, e_i32(e, tile), ""), e_i32(e, nblocks)), 1);
	i2s_block(e, wr, xt, blk.i, acc16);
	e_loop_end(e, &blk);
	accumulate(e, acc32, v32, e_sext(e, LLVMBuildLoad2(e->b, v16, acc16, ""), v32));
	e_loop_end(e, &t0);
	LLVMValueRef total = e_reduce_add(e, LLVMBuildLoad2(e->b, v32, acc32, ""));
	LLVMValueRef yo = elem_offset(e, tok.i, e->ldy, row.i, 4);
	LLVMSetAlignment(LLVMBuildStore(e->b, total, e_gep(e, e->y, yo)), 4);
	e_loop_end(e, &row);
	e_loop_end(e, &tok);
	return 0;
}

/* ---- TL1 / TL2 ---- */

/* <32 x i8> of 0/1: lanes where the signed compare `pred` of v with c holds */
static LLVMValueRef cmp01(struct emit *e, LLVMIntPredicate pred, LLVMValueRef v, long long c)
{
	LLVMTypeRef v8 = LLVMTypeOf(v);
	return LLVMBuildZExt(e->b, LLVMBuildICmp(e->b, pred, v, e_splat(v8, c), ""), v8, "");
}

/* the balanced-ternary digit d ∈ {−1, 0, 1} of v with |v − 3^p·d| ≤ (3^p − 1)/2: thresholds ±h */
static LLVMValueRef digit(struct emit *e, LLVMValueRef v, long long h)
{
	return LLVMBuildSub(e->b, cmp01(e, LLVMIntSGT, v, h), cmp01(e, LLVMIntSLT, v, -h), "");
}

/* c·v in i8 for the small constants 3 and 9 */
static LLVMValueRef times(struct emit *e, LLVMValueRef v, long long c)
{
	return LLVMBuildMul(e->b, v, e_splat(LLVMTypeOf(v), c), "");
}

/* the 32 row indices (row j of the group in lane j) of unit u (i64) of one row group */
static LLVMValueRef tl_indices(struct emit *e, LLVMValueRef wg, LLVMValueRef u)
{
	LLVMTypeRef v16b = e_vec(e, e->i8, 16);
	LLVMValueRef bytes = e_load(e, v16b, e_gep(e, wg, LLVMBuildMul(e->b, u, e_i64(e, 16), "")));
	LLVMValueRef lo = LLVMBuildAnd(e->b, bytes, e_splat(v16b, 15), "");
	LLVMValueRef hi = LLVMBuildLShr(e->b, bytes, e_splat(v16b, 4), "");
	LLVMValueRef mask[32];
	for (int i = 0; i < 32; i++)
		mask[i] = e_i32(e, i);
	return LLVMBuildShuffleVector(e->b, lo, hi, LLVMConstVector(mask, 32), "");
}

/* <32 x i1>: lane j set when bit j of unit u's little-endian sign word (at sg + 4u) is set */
static LLVMValueRef tl_signs(struct emit *e, LLVMValueRef sg, LLVMValueRef u)
{
	LLVMTypeRef v4 = e_vec(e, e->i8, 4), v8 = e_vec(e, e->i8, 32);
	LLVMValueRef word = e_load(e, v4, e_gep(e, sg, LLVMBuildMul(e->b, u, e_i64(e, 4), "")));
	LLVMValueRef spread[32], bit[32];
	for (int j = 0; j < 32; j++) {
		spread[j] = e_i32(e, j / 8);
		bit[j] = e_const(e->i8, 1 << (j % 8));
	}
	LLVMValueRef bytes = LLVMBuildShuffleVector(e->b, word, LLVMGetUndef(v4), LLVMConstVector(spread, 32), "");
	LLVMValueRef set = LLVMBuildAnd(e->b, bytes, LLVMConstVector(bit, 32), "");
	return LLVMBuildICmp(e->b, LLVMIntNE, set, LLVMConstNull(v8), "");
}

/* the int16 contributions Σ_a t_a·q_a of unit u (i64) to the 32 rows of a group */
static LLVMValueRef tl_unit(struct emit *e, const struct tl_section *sec, LLVMValueRef wg, LLVMValueRef sg,
                            LLVMValueRef xt, LLVMValueRef u)
{
	LLVMTypeRef v8 = e_vec(e, e->i8, 32), v16 = e_vec(e, e->i16, 32);
	LLVMValueRef idx = tl_indices(e, wg, u), t[3];
	if (sec->arity == 2) {
		/* idx = 3(t0+1) + (t1+1) */
		LLVMValueRef h = LLVMBuildAdd(e->b, cmp01(e, LLVMIntSGT, idx, 2), cmp01(e, LLVMIntSGT, idx, 5), "");
		t[0] = LLVMBuildSub(e->b, h, e_splat(v8, 1), "");
		t[1] = LLVMBuildSub(e->b, LLVMBuildSub(e->b, idx, times(e, h, 3), ""), e_splat(v8, 1), "");
	} else {
		/* v = ±|v| = 9t0 + 3t1 + t2, |v| ≤ 13 */
		LLVMValueRef v = idx;
		if (sec->s_off >= 0)
			v = LLVMBuildSelect(e->b, tl_signs(e, sg, u), LLVMBuildNeg(e->b, idx, ""), idx, "");
		t[0] = digit(e, v, 4);
		LLVMValueRef rem = LLVMBuildSub(e->b, v, times(e, t[0], 9), "");
		t[1] = digit(e, rem, 1);
		t[2] = LLVMBuildSub(e->b, rem, times(e, t[1], 3), "");
	}
	LLVMValueRef col = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, u, e_i64(e, sec->arity), ""), e_i64(e, sec->x_col), "");
	LLVMValueRef sum = NULL;
	for (int a = 0; a < sec->arity; a++) {
		LLVMValueRef q = e_load(e, e->i8, e_gep(e, xt, LLVMBuildAdd(e->b, col, e_i64(e, a), "")));
		LLVMValueRef qv = splat_value(e, e_sext(e, q, e->i16), 32);
		LLVMValueRef p = LLVMBuildMul(e->b, e_sext(e, t[a], v16), qv, "");
		sum = sum ? LLVMBuildAdd(e->b, sum, p, "") : p;
	}
	return sum;
}

/* adds section sec's sums for row group g (i64) and token activations xt to acc32 */
static void tl_section_sum(struct emit *e, const struct tl_section *sec, LLVMValueRef g, LLVMValueRef xt,
                           LLVMValueRef acc16, LLVMValueRef acc32)
{
	if (sec->units == 0)
		return;
	LLVMTypeRef v16 = e_vec(e, e->i16, 32), v32 = e_vec(e, e->i32, 32);
	int tile = e->s->bk / sec->arity;
	if (tile > sec->max_flush)
		tile = sec->max_flush;
	if (tile > sec->units)
		tile = sec->units;
	LLVMValueRef wg = e_gep(e, e->w, LLVMBuildAdd(e->b, e_i64(e, sec->w_off),
	                                              LLVMBuildMul(e->b, g, e_i64(e, sec->w_stride), ""), ""));
	LLVMValueRef sg = NULL;
	if (sec->s_off >= 0)
		sg = e_gep(e, e->w, LLVMBuildAdd(e->b, e_i64(e, sec->s_off),
		                                 LLVMBuildMul(e->b, g, e_i64(e, sec->s_stride), ""), ""));
	struct loop t0, u;
	e_loop_begin(e, &t0, e_i64(e, 0), e_i64(e, sec->units), tile);
	LLVMBuildStore(e->b, LLVMConstNull(v16), acc16);
	LLVMValueRef end = LLVMBuildAdd(e->b, t0.i, e_i64(e, tile), "");
	LLVMValueRef lt = LLVMBuildICmp(e->b, LLVMIntSLT, end, e_i64(e, sec->units), "");
	e_loop_begin(e, &u, t0.i, LLVMBuildSelect(e->b, lt, end, e_i64(e, sec->units), ""), 1);
	accumulate(e, acc16, v16, tl_unit(e, sec, wg, sg, xt, u.i));
	e_loop_end(e, &u);
	accumulate(e, acc32, v32, e_sext(e, LLVMBuildLoad2(e->b, v16, acc16, ""), v32));
	e_loop_end(e, &t0);
}

/* the whole TL kernel: tokens × row groups × sections; 32 outputs stored per group and token */
static int emit_tl_portable(struct emit *e, const struct tl_section *sec, int nsec)
{
	LLVMTypeRef v16 = e_vec(e, e->i16, 32), v32 = e_vec(e, e->i32, 32);
	LLVMValueRef acc32 = e_alloca(e, v32, 0), acc16 = e_alloca(e, v16, 0);
	LLVMValueRef g0 = LLVMBuildSDiv(e->b, e->row0, e_i32(e, 32), "");
	LLVMValueRef g1 = LLVMBuildSDiv(e->b, e->row1, e_i32(e, 32), "");
	struct loop tok, grp;
	e_loop_begin(e, &tok, e_i32(e, 0), e->n, 1);
	LLVMValueRef xt = e_gep(e, e->x, elem_offset(e, tok.i, e->ldx, e_i32(e, 0), 1));
	e_loop_begin(e, &grp, g0, g1, 1);
	LLVMBuildStore(e->b, LLVMConstNull(v32), acc32);
	LLVMValueRef g64 = LLVMBuildSExt(e->b, grp.i, e->i64, "");
	for (int i = 0; i < nsec; i++)
		tl_section_sum(e, &sec[i], g64, xt, acc16, acc32);
	LLVMValueRef yo = elem_offset(e, tok.i, e->ldy, LLVMBuildMul(e->b, grp.i, e_i32(e, 32), ""), 4);
	e_store(e, LLVMBuildLoad2(e->b, v32, acc32, ""), e_gep(e, e->y, yo));
	e_loop_end(e, &grp);
	e_loop_end(e, &tok);
	return 0;
}

static int emit_tl1_portable(struct emit *e, struct error *err)
{
	const struct kernel_spec *s = e->s;
	if (s->m % 32 != 0 || s->k % 2 != 0 || s->bk > 256 || s->bk < 2)
		return errorf(err, "tl1 needs m %% 32 == 0, k even and 2 <= bk <= 256 (m=%d k=%d bk=%d)", s->m,
		              s->k, s->bk);
	struct tl_section sec = {
		.units = s->k / 2, .arity = 2, .x_col = 0, .w_off = 0, .w_stride = 16LL * (s->k / 2),
		.s_off = -1, .max_flush = 128,
	};
	return emit_tl_portable(e, &sec, 1);
}

static int emit_tl2_portable(struct emit *e, struct error *err)
{
	const struct kernel_spec *s = e->s;
	if (s->m % 32 != 0 || s->k < 2 || s->bk % 3 != 0 || s->bk > 240 || s->bk < 3)
		return errorf(err, "tl2 needs m %% 32 == 0, k >= 2 and bk a multiple of 3 in [3, 240] "
		                   "(m=%d k=%d bk=%d)", s->m, s->k, s->bk);
	int tail = s->k % 3 == 0 ? 0 : s->k % 3 == 2 ? 2 : 4;
	int nt = (s->k - tail) / 3, tp = tail / 2;
	long long groups = s->m / 32, s0 = groups * 16 * nt, t0 = s0 + groups * 4 * nt;
	struct tl_section sec[2] = {
		{.units = nt, .arity = 3, .x_col = 0, .w_off = 0, .w_stride = 16LL * nt, .s_off = s0,
		 .s_stride = 4LL * nt, .max_flush = 80},
		{.units = tp, .arity = 2, .x_col = 3 * nt, .w_off = t0, .w_stride = 16LL * tp, .s_off = -1,
		 .max_flush = 128},
	};
	return emit_tl_portable(e, sec, 2);
}

int emit_portable(struct emit *e, struct error *err)
{
	switch (e->s->kind) {
	case KIND_I2S: return emit_i2s_portable(e, err);
	case KIND_TL1: return emit_tl1_portable(e, err);
	case KIND_TL2: return emit_tl2_portable(e, err);
	default: return errorf(err, "unknown kernel kind %d", (int)e->s->kind);
	}
}
