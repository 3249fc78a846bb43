/* emit_amx.c: the I2S kernel on AMX-INT8 (docs/kernels.md §9): acc = Σ c·q − Σ q with tdpbusd.
 *
 * Once per call: −Σq per token, and the activations in VNNI order (B[k/4][tok*4 + k%4], n rounded
 * up to 32 tokens, pad tokens zero) built with 16×16 dword transposes. Then per 32-row strip of
 * [row0, row1): the C tiles of every 32-token block start at −Σq (a stride-0 tile load) and live
 * in scratch between K slices; per slice of 512 k the strip's codes are unpacked ((v >> 2g) & 3,
 * rows past row1 zero) into a small L1-resident buffer, and every token block accumulates the
 * slice: tiles 0..3 = 32 rows × 32 tokens, 4,5 = codes (u8), 6,7 = activations (s8). Last, C
 * ([row][token]) is transposed back and stored to y[token][row], masked at row and token tails.
 * requires: llvm */
#include <llvm-c/Core.h>

#include "gen/emit.h"
#include "gen/kinds.h"

#define STRIP 32 /* rows per strip: two A tiles */
/* bytes per 64-k chunk of the code buffer: 32 rows of 64, plus one line so that the chunks of a
 * row do not all fall into one L1 set */
#define KCSTRIDE (STRIP * 64 + 64)

struct amx {
	struct emit *e;
	int kc; /* 64-byte k chunks per row: K/64 */
	struct i2s_amx_layout l;
	LLVMValueRef sumq, cacc, wa, xb; /* pointers into scratch */
	LLVMValueRef npairs;             /* 32-token blocks of the call (i32) */
	LLVMTypeRef v16;                 /* <16 x i32> */
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

/* tileloadd64 / tilestored64 of tile t at p with a row stride */
static void tile_load(struct amx *a, int t, LLVMValueRef p, long long stride)
{
	LLVMValueRef args[3] = {tmm(a, t), p, e_i64(a->e, stride)};
	e_intrinsic(a->e, "llvm.x86.tileloadd64", NULL, 0, args, 3);
}

static void tile_store(struct amx *a, int t, LLVMValueRef p)
{
	LLVMValueRef args[3] = {tmm(a, t), p, e_i64(a->e, 64)};
	e_intrinsic(a->e, "llvm.x86.tilestored64", NULL, 0, args, 3);
}

/* transposes 16 rows of <16 x i32> in place: four rounds of swapping index bit d of row and column */
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

/* sumq[t] = −Σ_k q[t][k] for t < n, 0 for the pad tokens up to 32 * npairs */
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
	LLVMBuildStore(e->b, LLVMBuildNeg(e->b, sum, ""), LLVMBuildGEP2(e->b, e->i32, a->sumq, &lt.i, 1, ""));
	e_loop_end(e, &lt);
	e_loop_begin(e, &lz, e->n, LLVMBuildMul(e->b, a->npairs, e_i32(e, 32), ""), 1);
	LLVMBuildStore(e->b, e_i32(e, 0), LLVMBuildGEP2(e->b, e->i32, a->sumq, &lz.i, 1, ""));
	e_loop_end(e, &lz);
}

/* xb[tb][kc][i][t*4 + j] = x[16tb + t][64kc + 4i + j] for 2 * npairs blocks (tokens >= n are zero) */
static void transform_activations(struct amx *a)
{
	struct emit *e = a->e;
	struct loop lb, lk;
	LLVMValueRef last = LLVMBuildSub(e->b, e->n, e_i32(e, 1), "");
	e_loop_begin(e, &lb, e_i32(e, 0), LLVMBuildMul(e->b, a->npairs, e_i32(e, 2), ""), 1);
	LLVMValueRef xrow[16], ok[16];
	for (int t = 0; t < 16; t++) {
		LLVMValueRef tok = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, lb.i, e_i32(e, 16), ""), e_i32(e, t), "");
		ok[t] = LLVMBuildICmp(e->b, LLVMIntSLT, tok, e->n, "");
		LLVMValueRef tc = LLVMBuildSExt(e->b, e_smin(e, tok, last), e->i64, "");
		xrow[t] = e_gep(e, e->x, LLVMBuildMul(e->b, tc, e->ldx, ""));
	}
	LLVMValueRef dst0 = at(a, a->xb, lb.i, (long long)a->kc * 1024);
	e_loop_begin(e, &lk, e_i64(e, 0), e_i64(e, a->kc), 1);
	LLVMValueRef v[16], zero = LLVMConstNull(a->v16);
	LLVMValueRef xo = LLVMBuildMul(e->b, lk.i, e_i64(e, 64), "");
	for (int t = 0; t < 16; t++)
		v[t] = LLVMBuildSelect(e->b, ok[t], e_load(e, a->v16, e_gep(e, xrow[t], xo)), zero, "");
	transpose16(a, v);
	LLVMValueRef dst = at(a, dst0, lk.i, 1024);
	for (int i = 0; i < 16; i++)
		e_store(e, v[i], e_gep(e, dst, e_i64(e, 64 * i)));
	e_loop_end(e, &lk);
	e_loop_end(e, &lb);
}

/* rows nr..31 of the code buffer become zero (a strip at the end of the row range) */
static void zero_rows(struct amx *a, LLVMValueRef nr)
{
	struct emit *e = a->e;
	struct loop lz;
	e_loop_begin(e, &lz, nr, e_i32(e, STRIP), 1);
	LLVMValueRef z0 = at(a, a->wa, lz.i, 64);
	for (int c = 0; c < I2S_AMX_SLICE; c++)
		e_store(e, LLVMConstNull(e_vec(e, e->i8, 64)), e_gep(e, z0, e_i64(e, (long long)c * KCSTRIDE)));
	e_loop_end(e, &lz);
}

/* unpacks the codes of rows [r, r+nr), k chunks [kc0, kc0+cnt), into wa[chunk][row][64] */
static void unpack_slice(struct amx *a, LLVMValueRef r, LLVMValueRef nr, LLVMValueRef kc0, int cnt)
{
	struct emit *e = a->e;
	int kb = e->s->k / 4;
	LLVMTypeRef v32 = e_vec(e, e->i8, 32), v64 = e_vec(e, e->i8, 64), w16 = e_vec(e, e->i16, 32);
	LLVMValueRef idx[64], sh0[32], sh1[32];
	for (int i = 0; i < 64; i++)
		idx[i] = e_i32(e, i % 32);
	for (int i = 0; i < 32; i++) {
		sh0[i] = e_const(e->i16, i < 16 ? 0 : 2);
		sh1[i] = e_const(e->i16, i < 16 ? 4 : 6);
	}
	LLVMValueRef bcast = LLVMConstVector(idx, 64), s0 = LLVMConstVector(sh0, 32), s1 = LLVMConstVector(sh1, 32);
	LLVMValueRef three = e_splat(v64, 3);
	struct loop lr;
	e_loop_begin(e, &lr, e_i32(e, 0), nr, 1);
	LLVMValueRef row = LLVMBuildAdd(e->b, r, lr.i, "");
	LLVMValueRef src = e_gep(e, at(a, e->w, row, kb), LLVMBuildMul(e->b, kc0, e_i64(e, 16), ""));
	LLVMValueRef dst = at(a, a->wa, lr.i, 64);
	for (int b = 0; b < cnt / 2; b++) {
		LLVMValueRef w = e_load(e, v32, e_gep(e, src, e_i64(e, 32 * b)));
		LLVMValueRef wb = e_cast(e, LLVMBuildShuffleVector(e->b, w, LLVMGetUndef(v32), bcast, ""), w16);
		LLVMValueRef lo = LLVMBuildAnd(e->b, e_cast(e, LLVMBuildLShr(e->b, wb, s0, ""), v64), three, "");
		LLVMValueRef hi = LLVMBuildAnd(e->b, e_cast(e, LLVMBuildLShr(e->b, wb, s1, ""), v64), three, "");
		e_store(e, lo, e_gep(e, dst, e_i64(e, (long long)(2 * b) * KCSTRIDE)));
		e_store(e, hi, e_gep(e, dst, e_i64(e, (long long)(2 * b + 1) * KCSTRIDE)));
	}
	e_loop_end(e, &lr);
}

/* every token block's C tiles start at −Σq: each row of C is the block's −Σq (stride 0) */
static void init_acc(struct amx *a)
{
	struct emit *e = a->e;
	struct loop lp;
	e_loop_begin(e, &lp, e_i32(e, 0), a->npairs, 1);
	LLVMValueRef sq = at(a, a->sumq, lp.i, 128), cp = at(a, a->cacc, lp.i, 4096);
	for (int c = 0; c < 4; c++) {
		tile_load(a, c, e_gep(e, sq, e_i64(e, 64 * (c & 1))), 0);
		tile_store(a, c, e_gep(e, cp, e_i64(e, 1024 * c)));
	}
	e_loop_end(e, &lp);
}

/* every token block accumulates k chunks [kc0, kc0+cnt) of the strip (codes in wa) */
static void slice_mm(struct amx *a, LLVMValueRef kc0, int cnt)
{
	struct emit *e = a->e;
	struct loop lp;
	e_loop_begin(e, &lp, e_i32(e, 0), a->npairs, 1);
	LLVMValueRef cp = at(a, a->cacc, lp.i, 4096);
	for (int c = 0; c < 4; c++)
		tile_load(a, c, e_gep(e, cp, e_i64(e, 1024 * c)), 64);
	LLVMValueRef b0 = e_gep(e, at(a, a->xb, lp.i, 2LL * a->kc * 1024), LLVMBuildMul(e->b, kc0, e_i64(e, 1024), ""));
	for (int k = 0; k < cnt; k++) {
		LLVMValueRef ao = e_gep(e, a->wa, e_i64(e, (long long)k * KCSTRIDE));
		LLVMValueRef bo = e_gep(e, b0, e_i64(e, (long long)k * 1024));
		tile_load(a, 4, ao, 64);
		tile_load(a, 5, e_gep(e, ao, e_i64(e, 1024)), 64);
		tile_load(a, 6, bo, 64);
		tile_load(a, 7, e_gep(e, bo, e_i64(e, (long long)a->kc * 1024)), 64);
		for (int c = 0; c < 4; c++) {
			LLVMValueRef args[3] = {tmm(a, c), tmm(a, 4 + (c >> 1)), tmm(a, 6 + (c & 1))};
			e_intrinsic(e, "llvm.x86.tdpbusd", NULL, 0, args, 3);
		}
	}
	for (int c = 0; c < 4; c++)
		tile_store(a, c, e_gep(e, cp, e_i64(e, 1024 * c)));
	e_loop_end(e, &lp);
}

/* y[tok][r + 16mt + i] = C[i][tok] for the C tiles of token block pair p; masked stores at the
 * row tail (nr < 32) and past n */
static void write_pair(struct amx *a, LLVMValueRef r, LLVMValueRef nr, LLVMValueRef p, int masked)
{
	struct emit *e = a->e;
	LLVMValueRef iota[16];
	for (int i = 0; i < 16; i++)
		iota[i] = e_i32(e, i);
	LLVMValueRef lanes = LLVMConstVector(iota, 16), last = LLVMBuildSub(e->b, e->n, e_i32(e, 1), "");
	LLVMValueRef tok0 = LLVMBuildMul(e->b, p, e_i32(e, 32), ""), cp = at(a, a->cacc, p, 4096);
	for (int c = 0; c < 4; c++) {
		int mt = c >> 1, tt = c & 1;
		LLVMValueRef v[16];
		for (int i = 0; i < 16; i++) {
			v[i] = LLVMBuildLoad2(e->b, a->v16, e_gep(e, cp, e_i64(e, 1024 * c + 64 * i)), "");
			LLVMSetAlignment(v[i], 64);
		}
		transpose16(a, v);
		LLVMValueRef vr = e_smin(e, LLVMBuildSub(e->b, nr, e_i32(e, 16 * mt), ""), e_i32(e, 16));
		LLVMValueRef rr = LLVMBuildSExt(e->b, LLVMBuildAdd(e->b, r, e_i32(e, 16 * mt), ""), e->i64, "");
		for (int t = 0; t < 16; t++) {
			LLVMValueRef tok = LLVMBuildAdd(e->b, tok0, e_i32(e, 16 * tt + t), "");
			LLVMValueRef tc = masked ? e_smin(e, tok, last) : tok;
			LLVMValueRef yo = LLVMBuildMul(e->b, LLVMBuildSExt(e->b, tc, e->i64, ""), e->ldy, "");
			LLVMValueRef py = LLVMBuildGEP2(e->b, e->i32, e->y, (LLVMValueRef[]){LLVMBuildAdd(e->b, yo, rr, "")}, 1, "");
			if (!masked) {
				e_store(e, v[t], py);
				continue;
			}
			LLVMValueRef ok = LLVMBuildICmp(e->b, LLVMIntSLT, tok, e->n, "");
			LLVMValueRef cnt = LLVMBuildSelect(e->b, ok, vr, e_i32(e, 0), "");
			LLVMValueRef mask = LLVMBuildICmp(e->b, LLVMIntSLT, lanes, splat16(a, cnt), "");
			LLVMTypeRef ov[2] = {a->v16, e->ptr};
			LLVMValueRef args[4] = {v[t], py, e_i32(e, 4), mask};
			e_intrinsic(e, "llvm.masked.store", ov, 2, args, 4);
		}
	}
}

/* writes every token block pair of the strip: plain stores when all 32 rows and tokens exist */
static void write_out(struct amx *a, LLVMValueRef r, LLVMValueRef nr)
{
	struct emit *e = a->e;
	struct loop lp;
	e_loop_begin(e, &lp, e_i32(e, 0), a->npairs, 1);
	LLVMValueRef end = LLVMBuildMul(e->b, LLVMBuildAdd(e->b, lp.i, e_i32(e, 1), ""), e_i32(e, 32), "");
	LLVMValueRef full = LLVMBuildAnd(e->b, LLVMBuildICmp(e->b, LLVMIntEQ, nr, e_i32(e, STRIP), ""),
	                                 LLVMBuildICmp(e->b, LLVMIntSLE, end, e->n, ""), "");
	LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(e->c, e->fn, "full");
	LLVMBasicBlockRef tail = LLVMAppendBasicBlockInContext(e->c, e->fn, "tail");
	LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(e->c, e->fn, "written");
	LLVMBuildCondBr(e->b, full, fast, tail);
	LLVMPositionBuilderAtEnd(e->b, fast);
	write_pair(a, r, nr, lp.i, 0);
	LLVMBuildBr(e->b, join);
	LLVMPositionBuilderAtEnd(e->b, tail);
	write_pair(a, r, nr, lp.i, 1);
	LLVMBuildBr(e->b, join);
	LLVMPositionBuilderAtEnd(e->b, join);
	e_loop_end(e, &lp);
}

int emit_i2s_amx(struct emit *e, struct error *err)
{
	const struct kernel_spec *s = e->s;
	if (s->k % 128 != 0)
		return errorf(err, "i2s needs k %% 128 == 0 (k=%d)", s->k);
	struct amx a = {.e = e, .kc = s->k / 64, .l = i2s_amx_layout(s->k, s->n)};
	a.v16 = e_vec(e, e->i32, 16);
	a.sumq = scratch_at(&a, a.l.sumq);
	a.cacc = scratch_at(&a, a.l.cacc);
	a.wa = scratch_at(&a, a.l.wa);
	a.xb = scratch_at(&a, a.l.xb);
	a.npairs = LLVMBuildSDiv(e->b, LLVMBuildAdd(e->b, e->n, e_i32(e, 31), ""), e_i32(e, 32), "");

	load_config(&a);
	sum_activations(&a);
	transform_activations(&a);

	int full = a.kc / I2S_AMX_SLICE, rem = a.kc % I2S_AMX_SLICE; /* rem is even: k % 128 == 0 */
	struct loop ls, lk;
	e_loop_begin(e, &ls, e->row0, e->row1, STRIP);
	LLVMValueRef nr = e_smin(e, LLVMBuildSub(e->b, e->row1, ls.i, ""), e_i32(e, STRIP));
	zero_rows(&a, nr);
	init_acc(&a);
	if (full > 0) {
		e_loop_begin(e, &lk, e_i64(e, 0), e_i64(e, (long long)full * I2S_AMX_SLICE), I2S_AMX_SLICE);
		unpack_slice(&a, ls.i, nr, lk.i, I2S_AMX_SLICE);
		slice_mm(&a, lk.i, I2S_AMX_SLICE);
		e_loop_end(e, &lk);
	}
	if (rem > 0) {
		LLVMValueRef kc0 = e_i64(e, (long long)full * I2S_AMX_SLICE);
		unpack_slice(&a, ls.i, nr, kc0, rem);
		slice_mm(&a, kc0, rem);
	}
	write_out(&a, ls.i, nr);
	e_loop_end(e, &ls);
	e_intrinsic(e, "llvm.x86.tilerelease", NULL, 0, NULL, 0);
	return 0;
}
