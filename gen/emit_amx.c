/* emit_amx.c: the I2S kernel on AMX-INT8 (docs/kernels.md §9): acc = Σ c·q − Σ q with tdpbsud
 * (s8 activations × u8 codes), C = [token][row] so that whole tiles are stored straight to y.
 *
 * Once per call: −Σq of every token in all 16 lanes of a 64-byte row (the C start value), and the
 * activations copied into A-tile order (1 KiB per tile, pad tokens zero: tile loads straight from
 * x, 16 rows ldx apart, ran at a third of the speed). Then
 * per 32-row strip of [row0, row1) and slice of 512 k: the codes of the strip are unpacked into an
 * L1-resident buffer in VNNI order (B[k/4][row*4 + k%4]: a dword transpose of the packed bytes,
 * then (v >> 2g) & 3; rows past row1 zero), and every 32-token block accumulates the slice:
 * tiles 0..3 = C of 32 tokens × 32 rows, 4,5 = activations (A), 6,7 = codes (B). C lives in
 * scratch between slices; after the last one, whole tiles go to y with tilestored, tiles at the
 * row or token tail through scratch and masked stores.
 * requires: llvm */
#include <llvm-c/Core.h>

#include "gen/emit.h"
#include "kernel/kinds.h"

#define STRIP 32 /* rows per strip: two B tiles */
/* bytes per 64-k chunk of the code buffer: two 16-row B tiles, plus one line so that the chunks
 * do not all fall into the same L1 sets */
#define KCSTRIDE (2 * 1024 + 64)

struct amx {
	struct emit *e;
	int kc; /* 64-byte k chunks per row: K/64 */
	struct i2s_amx_layout l;
	LLVMValueRef nsq, cacc, wb, xa; /* pointers into scratch */
	LLVMValueRef npairs;            /* 32-token blocks of the call (i32) */
	LLVMValueRef r, nr;               /* the strip: first row, rows (i32) */
	LLVMTypeRef v16;                  /* <16 x i32> */
};

static LLVMValueRef scratch_at(struct amx *a, size_t off)
{
	return e_gep(a->e, a->e->scratch, e_i64(a->e, (long long)off));
}

/* p + i*scale bytes, i an i32 or i64 value */
static LLVMValueRef at(struct amx *a, LLVMValueRef p, LLVMValueRef i, long long scale)
{
	struct emit *e = a->e;
	if (LLVMTypeOf(i) != e->i64)
		i = LLVMBuildSExt(e->b, i, e->i64, "");
	return e_gep(e, p, LLVMBuildMul(e->b, i, e_i64(e, scale), ""));
}

/* <16 x i32> with every lane v */
static LLVMValueRef splat16(struct amx *a, LLVMValueRef v)
{
	struct emit *e = a->e;
	LLVMValueRef one = LLVMBuildInsertElement(e->b, LLVMGetUndef(a->v16), v, e_i32(e, 0), "");
	return LLVMBuildShuffleVector(e->b, one, LLVMGetUndef(a->v16), LLVMConstNull(a->v16), "");
}

static LLVMValueRef tmm(struct amx *a, int t)
{
	return e_const(a->e->i8, t);
}

/* tileloadd64 / tilestored64 of tile t at p with a row stride (i64 value) */
static void tile_load(struct amx *a, int t, LLVMValueRef p, LLVMValueRef stride)
{
	LLVMValueRef args[3] = {tmm(a, t), p, stride};
	e_intrinsic(a->e, "llvm.x86.tileloadd64", NULL, 0, args, 3);
}

static void tile_store(struct amx *a, int t, LLVMValueRef p, LLVMValueRef stride)
{
	LLVMValueRef args[3] = {tmm(a, t), p, stride};
	e_intrinsic(a->e, "llvm.x86.tilestored64", NULL, 0, args, 3);
}

/* transposes 16 rows of <16 x i32> in place: four rounds of swapping index bit d of row and
 * column. Rows 0..7 of the result only read columns 0..7 of the input. */
static void transpose16(struct amx *a, LLVMValueRef v[16])
{
	struct emit *e = a->e;
	for (int d = 8; d >= 1; d /= 2) {
		LLVMValueRef ma[16], mb[16];
		for (int c = 0; c < 16; c++) {
			ma[c] = e_i32(e, (c & d) ? 16 + c - d : c);
			mb[c] = e_i32(e, (c & d) ? 16 + c : c + d);
		}
		LLVMValueRef mka = LLVMConstVector(ma, 16), mkb = LLVMConstVector(mb, 16);
		for (int r = 0; r < 16; r++) {
			if (r & d)
				continue;
			LLVMValueRef x = v[r], y = v[r + d];
			v[r] = LLVMBuildShuffleVector(e->b, x, y, mka, "");
			v[r + d] = LLVMBuildShuffleVector(e->b, x, y, mkb, "");
		}
	}
}

/* the 64-byte tile config: palette 1, tiles 0..7 of 16 rows × 64 bytes */
static void load_config(struct amx *a)
{
	struct emit *e = a->e;
	LLVMValueRef b[64];
	for (int i = 0; i < 64; i++) {
		int v = 0;
		if (i == 0)
			v = 1;
		else if (i >= 16 && i < 32 && i % 2 == 0)
			v = 64; /* colsb[t] (low byte), t < 8 */
		else if (i >= 48 && i < 56)
			v = 16; /* rows[t] */
		b[i] = e_const(e->i8, v);
	}
	LLVMValueRef cfg = scratch_at(a, a->l.cfg);
	e_store(e, LLVMConstVector(b, 64), cfg);
	e_intrinsic(e, "llvm.x86.ldtilecfg", NULL, 0, &cfg, 1);
}

/* nsq[t] = −Σ_k q[t][k] in 16 lanes for t < n, 0 for the pad tokens up to 32 * npairs */
static void sum_activations(struct amx *a)
{
	struct emit *e = a->e;
	LLVMTypeRef v64 = e_vec(e, e->i8, 64);
	struct loop lt, lk, lz;
	e_loop_begin(e, &lt, e_i32(e, 0), e->n, 1);
	LLVMValueRef xt = e_gep(e, e->x, LLVMBuildMul(e->b, LLVMBuildSExt(e->b, lt.i, e->i64, ""), e->ldx, ""));
	LLVMValueRef acc = e_alloca(e, a->v16, 1);
	e_loop_begin(e, &lk, e_i64(e, 0), e_i64(e, e->s->k), 64);
	LLVMValueRef xv = e_load(e, v64, e_gep(e, xt, lk.i));
	LLVMValueRef s = LLVMBuildLoad2(e->b, a->v16, acc, "");
	LLVMBuildStore(e->b, e_dot_u8s8(e, s, e_splat(v64, 1), xv, 64), acc);
	e_loop_end(e, &lk);
	LLVMValueRef sum = e_reduce_add(e, LLVMBuildLoad2(e->b, a->v16, acc, ""));
	e_store(e, splat16(a, LLVMBuildNeg(e->b, sum, "")), at(a, a->nsq, lt.i, 64));
	e_loop_end(e, &lt);
	e_loop_begin(e, &lz, e->n, LLVMBuildMul(e->b, a->npairs, e_i32(e, 32), ""), 1);
	e_store(e, LLVMConstNull(a->v16), at(a, a->nsq, lz.i, 64));
	e_loop_end(e, &lz);
}

/* xa[tb][kc][t][0..63] = x[16tb + t][64kc ..] for 2 * npairs blocks (tokens >= n are zero): each
 * A tile is 1 KiB of contiguous memory */
static void copy_activations(struct amx *a)
{
	struct emit *e = a->e;
	LLVMTypeRef v64 = e_vec(e, e->i8, 64);
	LLVMValueRef last = LLVMBuildSub(e->b, e->n, e_i32(e, 1), "");
	struct loop lb, lk;
	e_loop_begin(e, &lb, e_i32(e, 0), LLVMBuildMul(e->b, a->npairs, e_i32(e, 2), ""), 1);
	LLVMValueRef src[16], ok[16];
	for (int t = 0; t < 16; t++) {
		LLVMValueRef tok = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, lb.i, e_i32(e, 16), ""), e_i32(e, t), "");
		ok[t] = LLVMBuildICmp(e->b, LLVMIntSLT, tok, e->n, "");
		src[t] = e_gep(e, e->x, LLVMBuildMul(e->b, LLVMBuildSExt(e->b, e_smin(e, tok, last), e->i64, ""), e->ldx, ""));
	}
	LLVMValueRef dst0 = at(a, a->xa, lb.i, (long long)a->kc * 1024);
	e_loop_begin(e, &lk, e_i64(e, 0), e_i64(e, a->kc), 1);
	LLVMValueRef xo = LLVMBuildMul(e->b, lk.i, e_i64(e, 64), ""), dst = at(a, dst0, lk.i, 1024);
	for (int t = 0; t < 16; t++) {
		LLVMValueRef v = LLVMBuildSelect(e->b, ok[t], e_load(e, v64, e_gep(e, src[t], xo)), LLVMConstNull(v64), "");
		LLVMValueRef st = LLVMBuildStore(e->b, v, e_gep(e, dst, e_i64(e, 64 * t)));
		LLVMSetAlignment(st, 64);
	}
	e_loop_end(e, &lk);
	e_loop_end(e, &lb);
}

/* unpacks the codes of the strip, k chunks [kc0, kc0+cnt), into the code buffer: chunk c, rows
 * 16h..16h+15 is the B tile at wb + c*KCSTRIDE + h*1024, row i = k 4i..4i+3 of the chunk. A whole
 * strip reads rows at constant offsets; a short one clamps them and zeroes rows past nr. */
static void unpack_rows(struct amx *a, LLVMValueRef kc0, int cnt, int whole, int strip_end)
{
	struct emit *e = a->e;
	int kb = e->s->k / 4;
	LLVMTypeRef v8 = e_vec(e, e->i32, 8);
	LLVMValueRef widen[16];
	for (int i = 0; i < 16; i++)
		widen[i] = i < 8 ? e_i32(e, i) : LLVMGetUndef(e->i32);
	LLVMValueRef wmask = LLVMConstVector(widen, 16), three = e_splat(a->v16, 0x03030303);
	LLVMValueRef base = e_gep(e, at(a, e->w, a->r, kb), LLVMBuildMul(e->b, kc0, e_i64(e, 16), ""));
	LLVMValueRef last = LLVMBuildSub(e->b, a->nr, e_i32(e, 1), "");
	for (int h = 0; h < 2; h++) {
		LLVMValueRef src[16], ok[16];
		for (int m = 0; m < 16; m++) {
			if (whole) {
				src[m] = e_gep(e, base, e_i64(e, (long long)(16 * h + m) * kb));
				/* the weights come from DRAM in a model: fetch the row's next slice (at the end of
				 * the strip: the next strip's first) while this one runs on the tiles */
				LLVMValueRef next = strip_end ? at(a, e->w, LLVMBuildAdd(e->b, a->r, e_i32(e, STRIP + 16 * h + m), ""), kb)
				                              : e_gep(e, src[m], e_i64(e, 16LL * cnt));
				e_prefetch(e, next);
				e_prefetch(e, e_gep(e, next, e_i64(e, 64)));
				continue;
			}
			ok[m] = LLVMBuildICmp(e->b, LLVMIntSLT, e_i32(e, 16 * h + m), a->nr, "");
			src[m] = at(a, base, e_smin(e, e_i32(e, 16 * h + m), last), kb);
		}
		for (int b = 0; b < cnt / 2; b++) {
			LLVMValueRef v[16];
			for (int m = 0; m < 16; m++) {
				LLVMValueRef w = e_load(e, v8, e_gep(e, src[m], e_i64(e, 32 * b)));
				if (!whole)
					w = LLVMBuildSelect(e->b, ok[m], w, LLVMConstNull(v8), "");
				v[m] = LLVMBuildShuffleVector(e->b, w, LLVMGetUndef(v8), wmask, "");
			}
			transpose16(a, v); /* v[i] = dword i (bytes 4i..4i+3) of the block of each row */
			for (int i = 0; i < 8; i++)
				for (int g = 0; g < 4; g++) {
					LLVMValueRef c = v[i];
					if (g)
						c = LLVMBuildLShr(e->b, c, e_splat(a->v16, 2 * g), "");
					c = LLVMBuildAnd(e->b, c, three, "");
					long long off = (long long)(2 * b + g / 2) * KCSTRIDE + h * 1024 + (i + 8 * (g & 1)) * 64;
					LLVMValueRef st = LLVMBuildStore(e->b, c, e_gep(e, a->wb, e_i64(e, off)));
					LLVMSetAlignment(st, 64);
				}
		}
	}
}

/* unpack_rows for chunks [kc0, kc0+cnt) of the strip: the constant-offset path for a whole strip */
static void unpack_slice(struct amx *a, LLVMValueRef kc0, int cnt, int strip_end)
{
	struct emit *e = a->e;
	LLVMBasicBlockRef whole = LLVMAppendBasicBlockInContext(e->c, e->fn, "whole_strip");
	LLVMBasicBlockRef part = LLVMAppendBasicBlockInContext(e->c, e->fn, "short_strip");
	LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(e->c, e->fn, "unpacked");
	LLVMBuildCondBr(e->b, LLVMBuildICmp(e->b, LLVMIntEQ, a->nr, e_i32(e, STRIP), ""), whole, part);
	LLVMPositionBuilderAtEnd(e->b, whole);
	unpack_rows(a, kc0, cnt, 1, strip_end);
	LLVMBuildBr(e->b, join);
	LLVMPositionBuilderAtEnd(e->b, part);
	unpack_rows(a, kc0, cnt, 0, strip_end);
	LLVMBuildBr(e->b, join);
	LLVMPositionBuilderAtEnd(e->b, join);
}

/* the C tiles of token block pair p after the last slice: to y, through scratch at the tails */
static void store_out(struct amx *a, LLVMValueRef p, LLVMValueRef cp)
{
	struct emit *e = a->e;
	LLVMValueRef iota[16];
	for (int i = 0; i < 16; i++)
		iota[i] = e_i32(e, i);
	LLVMValueRef lanes = LLVMConstVector(iota, 16), last = LLVMBuildSub(e->b, e->n, e_i32(e, 1), "");
	LLVMValueRef ystride = LLVMBuildMul(e->b, e->ldy, e_i64(e, 4), "");
	for (int c = 0; c < 4; c++) {
		int tt = c >> 1, mt = c & 1;
		LLVMValueRef tok0 = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, p, e_i32(e, 32), ""), e_i32(e, 16 * tt), "");
		LLVMValueRef rows = LLVMBuildSub(e->b, a->nr, e_i32(e, 16 * mt), "");
		LLVMValueRef rr = LLVMBuildSExt(e->b, LLVMBuildAdd(e->b, a->r, e_i32(e, 16 * mt), ""), e->i64, "");
		LLVMValueRef full = LLVMBuildAnd(
			e->b, LLVMBuildICmp(e->b, LLVMIntSLE, LLVMBuildAdd(e->b, tok0, e_i32(e, 16), ""), e->n, ""),
			LLVMBuildICmp(e->b, LLVMIntSGE, rows, e_i32(e, 16), ""), "");
		LLVMBasicBlockRef whole = LLVMAppendBasicBlockInContext(e->c, e->fn, "whole");
		LLVMBasicBlockRef tail = LLVMAppendBasicBlockInContext(e->c, e->fn, "tail");
		LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(e->c, e->fn, "stored");
		LLVMBuildCondBr(e->b, full, whole, tail);

		LLVMPositionBuilderAtEnd(e->b, whole);
		LLVMValueRef yo = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, LLVMBuildSExt(e->b, tok0, e->i64, ""), e->ldy, ""), rr, "");
		tile_store(a, c, LLVMBuildGEP2(e->b, e->i32, e->y, &yo, 1, ""), ystride);
		LLVMBuildBr(e->b, join);

		LLVMPositionBuilderAtEnd(e->b, tail);
		LLVMValueRef stage = e_gep(e, cp, e_i64(e, 1024 * c));
		tile_store(a, c, stage, e_i64(e, 64));
		LLVMValueRef vr = e_smin(e, rows, e_i32(e, 16));
		for (int t = 0; t < 16; t++) {
			LLVMValueRef tok = LLVMBuildAdd(e->b, tok0, e_i32(e, t), "");
			LLVMValueRef cnt = LLVMBuildSelect(e->b, LLVMBuildICmp(e->b, LLVMIntSLT, tok, e->n, ""), vr, e_i32(e, 0), "");
			LLVMValueRef mask = LLVMBuildICmp(e->b, LLVMIntSLT, lanes, splat16(a, cnt), "");
			LLVMValueRef o = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, LLVMBuildSExt(e->b, e_smin(e, tok, last), e->i64, ""),
			                                                 e->ldy, ""), rr, "");
			LLVMValueRef v = LLVMBuildLoad2(e->b, a->v16, e_gep(e, stage, e_i64(e, 64 * t)), "");
			LLVMSetAlignment(v, 64);
			LLVMTypeRef ov[2] = {a->v16, e->ptr};
			LLVMValueRef args[4] = {v, LLVMBuildGEP2(e->b, e->i32, e->y, &o, 1, ""), e_i32(e, 4), mask};
			e_intrinsic(e, "llvm.masked.store", ov, 2, args, 4);
		}
		LLVMBuildBr(e->b, join);
		LLVMPositionBuilderAtEnd(e->b, join);
	}
}

/* one slice of the strip: k chunks [kc0, kc0+cnt) for every token block pair; C starts at −Σq in
 * the first slice and is stored out after the last */
static void slice(struct amx *a, LLVMValueRef kc0, int cnt, int first, int last)
{
	struct emit *e = a->e;
	unpack_slice(a, kc0, cnt, last);
	struct loop lp;
	e_loop_begin(e, &lp, e_i32(e, 0), a->npairs, 1);
	LLVMValueRef cp = at(a, a->cacc, lp.i, 4096), ap[2];
	ap[0] = e_gep(e, at(a, a->xa, lp.i, 2LL * a->kc * 1024), LLVMBuildMul(e->b, kc0, e_i64(e, 1024), ""));
	ap[1] = e_gep(e, ap[0], e_i64(e, (long long)a->kc * 1024));
	for (int c = 0; c < 4; c++) {
		if (first)
			tile_load(a, c, e_gep(e, at(a, a->nsq, lp.i, 32 * 64), e_i64(e, 16 * 64 * (c >> 1))), e_i64(e, 64));
		else
			tile_load(a, c, e_gep(e, cp, e_i64(e, 1024 * c)), e_i64(e, 64));
	}
	for (int k = 0; k < cnt; k++) {
		for (int tt = 0; tt < 2; tt++)
			tile_load(a, 4 + tt, e_gep(e, ap[tt], e_i64(e, 1024LL * k)), e_i64(e, 64));
		for (int mt = 0; mt < 2; mt++)
			tile_load(a, 6 + mt, e_gep(e, a->wb, e_i64(e, (long long)k * KCSTRIDE + 1024 * mt)), e_i64(e, 64));
		for (int c = 0; c < 4; c++) {
			LLVMValueRef args[3] = {tmm(a, c), tmm(a, 4 + (c >> 1)), tmm(a, 6 + (c & 1))};
			e_intrinsic(e, "llvm.x86.tdpbsud", NULL, 0, args, 3);
		}
	}
	if (last)
		store_out(a, lp.i, cp);
	else
		for (int c = 0; c < 4; c++)
			tile_store(a, c, e_gep(e, cp, e_i64(e, 1024 * c)), e_i64(e, 64));
	e_loop_end(e, &lp);
}

int emit_i2s_amx(struct emit *e, struct error *err)
{
	const struct kernel_spec *s = e->s;
	if (s->k % 128 != 0)
		return errorf(err, "i2s needs k %% 128 == 0 (k=%d)", s->k);
	struct amx a = {.e = e, .kc = s->k / 64, .l = i2s_amx_layout(s->k, s->n)};
	a.v16 = e_vec(e, e->i32, 16);
	a.nsq = scratch_at(&a, a.l.nsq);
	a.cacc = scratch_at(&a, a.l.cacc);
	a.wb = scratch_at(&a, a.l.wb);
	a.xa = scratch_at(&a, a.l.xa);
	a.npairs = LLVMBuildSDiv(e->b, LLVMBuildAdd(e->b, e->n, e_i32(e, 31), ""), e_i32(e, 32), "");

	load_config(&a);
	sum_activations(&a);
	copy_activations(&a);

	int S = I2S_AMX_SLICE, nsl = (a.kc + S - 1) / S, tailcnt = a.kc - (nsl - 1) * S; /* even: k % 128 == 0 */
	struct loop ls;
	e_loop_begin(e, &ls, e->row0, e->row1, STRIP);
	a.r = ls.i;
	a.nr = e_smin(e, LLVMBuildSub(e->b, e->row1, ls.i, ""), e_i32(e, STRIP));
	if (nsl == 1) {
		slice(&a, e_i64(e, 0), tailcnt, 1, 1);
	} else {
		slice(&a, e_i64(e, 0), S, 1, 0);
		if (nsl > 2) {
			struct loop lk;
			e_loop_begin(e, &lk, e_i64(e, S), e_i64(e, (long long)(nsl - 1) * S), S);
			slice(&a, lk.i, S, 0, 0);
			e_loop_end(e, &lk);
		}
		slice(&a, e_i64(e, (long long)(nsl - 1) * S), tailcnt, 0, 1);
	}
	e_loop_end(e, &ls);
	e_intrinsic(e, "llvm.x86.tilerelease", NULL, 0, NULL, 0);
	return 0;
}
