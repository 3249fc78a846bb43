/* emit_i2s.c: the I2S kernel (2-bit codes c = t+1, docs/kernels.md §2) for AVX2, AVX-VNNI and
 * AVX-512 VNNI: acc = Σ c·q − Σ q per row and token.
 *
 * One vector of packed bytes per row covers vbytes/32 blocks; (v >> 2g) & 3 gives the codes of
 * group g, which meet 32 consecutive activations. rb rows share each activation load, and up to
 * nt tokens share each unpacked code vector (GEMM). For GEMV on the VNNI tiers the shifts are
 * skipped: v & (3 << 2g) feeds vpdpbusd directly into a per-group accumulator, which is exactly
 * 4^g times the true sum and is shifted back once at the end. AVX2 accumulates pmaddubsw results
 * in int16 for at most 16 blocks (|lane| ≤ 16·4·508 = 32512) before widening.
 * requires: llvm */
#include <llvm-c/Core.h>

#include "gen/emit.h"

#define MAX_RB 16
#define MAX_NT 16

struct i2s {
	struct emit *e;
	int kb;           /* packed bytes per row: K/4 */
	int nr, nt;       /* rows and tokens of the body being emitted */
	int scaled;       /* per-group accumulators without shifts (VNNI GEMV) */
	int bcast;        /* 512-bit GEMM: broadcast blocks, upper accumulator lanes ×4 (step_bcast) */
	LLVMValueRef rowbase[MAX_RB];     /* i64 byte offset of each row in w */
	LLVMValueRef xtok[MAX_NT];        /* pointer to each token's activations */
	LLVMValueRef acc[MAX_RB][MAX_NT][4]; /* allocas: <vb/4 x i32> (group g when scaled, else [0]) */
	LLVMValueRef acc16[MAX_RB][MAX_NT];  /* AVX2 int16 partial sums <vb/2 x i16> */
	LLVMValueRef sumq;                /* alloca [n x i32]: Σ q per token */
};

/* the activations of group g for the vb packed bytes at row offset off: 32 bytes per block */
static LLVMValueRef load_x(struct i2s *k, int t, LLVMValueRef off, int g, int vb)
{
	struct emit *e = k->e;
	LLVMTypeRef v32 = e_vec(e, e->i8, 32);
	LLVMValueRef xo = LLVMBuildAdd(e->b, LLVMBuildShl(e->b, off, e_i64(e, 2), ""), e_i64(e, 32 * g), "");
	LLVMValueRef lo = e_load(e, v32, e_gep(e, k->xtok[t], xo));
	if (vb == 32)
		return lo;
	LLVMValueRef hi = e_load(e, v32, e_gep(e, k->xtok[t], LLVMBuildAdd(e->b, xo, e_i64(e, 128), "")));
	LLVMValueRef mask[64];
	for (int i = 0; i < 64; i++)
		mask[i] = e_i32(e, i);
	return LLVMBuildShuffleVector(e->b, lo, hi, LLVMConstVector(mask, 64), "");
}

/* a per-half splat: lo in bytes 0..31, hi in bytes 32..63 */
static LLVMValueRef halves(struct emit *e, int lo, int hi)
{
	LLVMValueRef b[64];
	for (int i = 0; i < 64; i++)
		b[i] = e_const(e->i8, i < 32 ? lo : hi);
	return LLVMConstVector(b, 64);
}

/* GEMM step on 512-bit VNNI: the 64 packed bytes at off hold two blocks; each block's 32 bytes
 * are broadcast to both halves, so one AND with (3 | 0xC << 256) yields the codes of groups
 * 0 and 1 (group 1 times 4) against 64 contiguous activations, and one shift by 4 plus the
 * same AND yields groups 2 and 3. No activation shuffles; 1.5 unpack ops per 64 codes. The
 * upper 8 lanes of every accumulator are 4× the true sums (fixed once in body()). */
static void step_bcast(struct i2s *k, LLVMValueRef off)
{
	struct emit *e = k->e;
	LLVMTypeRef v32 = e_vec(e, e->i8, 32), v64 = e_vec(e, e->i8, 64), v64w = e_vec(e, e->i16, 32);
	LLVMTypeRef v64x = e_vec(e, e->i8, 64), vacc = e_vec(e, e->i32, 16);
	LLVMValueRef mask = halves(e, 3, 0xC), idx[64];
	for (int i = 0; i < 64; i++)
		idx[i] = e_i32(e, i % 32);
	LLVMValueRef bcast = LLVMConstVector(idx, 64);
	for (int h = 0; h < 2; h++) {
		LLVMValueRef boff = LLVMBuildAdd(e->b, off, e_i64(e, 32 * h), "");
		LLVMValueRef wv[MAX_RB];
		for (int i = 0; i < k->nr; i++) {
			LLVMValueRef w = e_load(e, v32, e_gep(e, e->w, LLVMBuildAdd(e->b, k->rowbase[i], boff, "")));
			wv[i] = LLVMBuildShuffleVector(e->b, w, LLVMGetUndef(v32), bcast, "");
		}
		LLVMValueRef xo = LLVMBuildShl(e->b, boff, e_i64(e, 2), "");
		for (int half = 0; half < 2; half++) {
			LLVMValueRef codes[MAX_RB];
			for (int i = 0; i < k->nr; i++) {
				LLVMValueRef v = wv[i];
				if (half)
					v = e_cast(e, LLVMBuildLShr(e->b, e_cast(e, v, v64w), e_splat(v64w, 4), ""), v64);
				codes[i] = LLVMBuildAnd(e->b, v, mask, "");
			}
			LLVMValueRef xh = LLVMBuildAdd(e->b, xo, e_i64(e, 64 * half), "");
			for (int t = 0; t < k->nt; t++) {
				LLVMValueRef xv = e_load(e, v64x, e_gep(e, k->xtok[t], xh));
				for (int i = 0; i < k->nr; i++) {
					LLVMValueRef slot = k->acc[i][t][0];
					LLVMValueRef a = LLVMBuildLoad2(e->b, vacc, slot, "");
					LLVMBuildStore(e->b, e_dot_u8s8(e, a, codes[i], xv, 64), slot);
				}
			}
		}
	}
}

/* one step: vb packed bytes of each row at row offset off (an i64 value) */
static void step(struct i2s *k, LLVMValueRef off, int vb)
{
	struct emit *e = k->e;
	if (k->bcast && vb == 64) {
		step_bcast(k, off);
		return;
	}
	LLVMTypeRef vb8 = e_vec(e, e->i8, (unsigned)vb), vb16 = e_vec(e, e->i16, (unsigned)vb / 2);
	LLVMTypeRef vb32 = e_vec(e, e->i32, (unsigned)vb / 4);
	LLVMValueRef wv[MAX_RB];
	for (int i = 0; i < k->nr; i++)
		wv[i] = e_load(e, vb8, e_gep(e, e->w, LLVMBuildAdd(e->b, k->rowbase[i], off, "")));
	for (int g = 0; g < 4; g++) {
		LLVMValueRef codes[MAX_RB];
		for (int i = 0; i < k->nr; i++) {
			if (k->scaled) {
				codes[i] = LLVMBuildAnd(e->b, wv[i], e_splat(vb8, 3 << (2 * g)), "");
			} else {
				LLVMValueRef v = wv[i];
				if (g > 0)
					v = e_cast(e, LLVMBuildLShr(e->b, e_cast(e, v, vb16), e_splat(vb16, 2 * g), ""), vb8);
				codes[i] = LLVMBuildAnd(e->b, v, e_splat(vb8, 3), "");
			}
		}
		for (int t = 0; t < k->nt; t++) {
			LLVMValueRef xv = load_x(k, t, off, g, vb);
			for (int i = 0; i < k->nr; i++) {
				if (e->s->isa == ISA_AVX2) {
					LLVMValueRef ab[2] = {codes[i], xv};
					LLVMValueRef p = e_cast(e, e_intrinsic(e, "llvm.x86.avx2.pmadd.ub.sw", NULL, 0, ab, 2), vb16);
					LLVMValueRef a = LLVMBuildLoad2(e->b, vb16, k->acc16[i][t], "");
					LLVMBuildStore(e->b, LLVMBuildAdd(e->b, a, p, ""), k->acc16[i][t]);
				} else {
					LLVMValueRef slot = k->acc[i][t][k->scaled ? g : 0];
					LLVMValueRef a = LLVMBuildLoad2(e->b, vb32, slot, "");
					LLVMBuildStore(e->b, e_dot_u8s8(e, a, codes[i], xv, (unsigned)vb), slot);
				}
			}
		}
	}
}

/* AVX2: adds the int16 partial sums into the int32 accumulators and clears them */
static void flush16(struct i2s *k)
{
	struct emit *e = k->e;
	if (e->s->isa != ISA_AVX2)
		return;
	LLVMTypeRef v16 = e_vec(e, e->i16, 16), v8 = e_vec(e, e->i32, 8);
	for (int i = 0; i < k->nr; i++)
		for (int t = 0; t < k->nt; t++) {
			LLVMValueRef pw[2] = {LLVMBuildLoad2(e->b, v16, k->acc16[i][t], ""), e_splat(v16, 1)};
			LLVMValueRef w = e_cast(e, e_intrinsic(e, "llvm.x86.avx2.pmadd.wd", NULL, 0, pw, 2), v8);
			LLVMValueRef a = LLVMBuildLoad2(e->b, v8, k->acc[i][t][0], "");
			LLVMBuildStore(e->b, LLVMBuildAdd(e->b, a, w, ""), k->acc[i][t][0]);
			LLVMBuildStore(e->b, LLVMConstNull(v16), k->acc16[i][t]);
		}
}

/* prefetches, for every row, the line `prefetch` bytes ahead of row offset off */
static void prefetch_rows(struct i2s *k, LLVMValueRef off, int bytes)
{
	struct emit *e = k->e;
	if (e->s->prefetch <= 0)
		return;
	for (int i = 0; i < k->nr; i++)
		for (int b = 0; b < bytes; b += 64) {
			LLVMValueRef o = LLVMBuildAdd(e->b, k->rowbase[i], off, "");
			o = LLVMBuildAdd(e->b, o, e_i64(e, e->s->prefetch + b), "");
			e_prefetch(e, e_gep(e, e->w, o));
		}
}

/* `count` steps of vb bytes starting at row offset base (i64 value), unrolled by spec.unroll */
static void steps(struct i2s *k, LLVMValueRef base, int count, int vb)
{
	struct emit *e = k->e;
	int u = e->s->unroll < 1 ? 1 : e->s->unroll;
	if (u > count)
		u = count;
	int loops = count / u;
	if (loops > 1) {
		struct loop l;
		e_loop_begin(e, &l, e_i64(e, 0), e_i64(e, (long long)loops * u * vb), (long long)u * vb);
		LLVMValueRef o = LLVMBuildAdd(e->b, base, l.i, "");
		prefetch_rows(k, o, u * vb);
		for (int c = 0; c < u; c++)
			step(k, LLVMBuildAdd(e->b, o, e_i64(e, (long long)c * vb), ""), vb);
		e_loop_end(e, &l);
	} else if (loops == 1) {
		prefetch_rows(k, base, u * vb);
		for (int c = 0; c < u; c++)
			step(k, LLVMBuildAdd(e->b, base, e_i64(e, (long long)c * vb), ""), vb);
	}
	for (int c = loops * u; c < count; c++)
		step(k, LLVMBuildAdd(e->b, base, e_i64(e, (long long)c * vb), ""), vb);
}

/* rows [r, r+nr) × tokens [tok, tok+nt): the whole K, then the outputs */
static void body(struct i2s *k, LLVMValueRef r, int nr, LLVMValueRef tok, int nt)
{
	struct emit *e = k->e;
	const struct kernel_spec *s = e->s;
	int vb = e->vbytes;
	k->nr = nr;
	k->nt = nt;
	k->scaled = s->isa != ISA_AVX2 && nt == 1 && nr <= 6;
	k->bcast = vb == 64 && nt > 1;
	LLVMTypeRef vacc = e_vec(e, e->i32, (unsigned)vb / 4);
	LLVMValueRef r64 = LLVMBuildSExt(e->b, r, e->i64, "");
	for (int i = 0; i < nr; i++)
		k->rowbase[i] = LLVMBuildMul(e->b, LLVMBuildAdd(e->b, r64, e_i64(e, i), ""), e_i64(e, k->kb), "");
	LLVMValueRef tok64 = LLVMBuildSExt(e->b, tok, e->i64, "");
	for (int t = 0; t < nt; t++) {
		LLVMValueRef tt = LLVMBuildAdd(e->b, tok64, e_i64(e, t), "");
		k->xtok[t] = e_gep(e, e->x, LLVMBuildMul(e->b, tt, e->ldx, ""));
		for (int i = 0; i < nr; i++) {
			for (int g = 0; g < (k->scaled ? 4 : 1); g++)
				k->acc[i][t][g] = e_alloca(e, vacc, 1);
			if (s->isa == ISA_AVX2)
				k->acc16[i][t] = e_alloca(e, e_vec(e, e->i16, 16), 1);
		}
	}

	int nsteps = k->kb / vb, tail = k->kb % vb; /* tail: one 32-byte block when vb == 64 */
	int chunk = nsteps;
	if (s->isa == ISA_AVX2) {
		chunk = s->bk / 128;
		chunk = chunk < 1 ? 1 : chunk > 16 ? 16 : chunk;
		if (chunk > nsteps)
			chunk = nsteps;
	}
	if (nsteps > 0) {
		int nchunks = nsteps / chunk, rem = nsteps % chunk;
		if (nchunks > 1) {
			struct loop l;
			e_loop_begin(e, &l, e_i64(e, 0), e_i64(e, (long long)nchunks * chunk * vb), (long long)chunk * vb);
			steps(k, l.i, chunk, vb);
			flush16(k);
			e_loop_end(e, &l);
		} else {
			steps(k, e_i64(e, 0), chunk, vb);
			flush16(k);
		}
		if (rem) {
			steps(k, e_i64(e, (long long)nchunks * chunk * vb), rem, vb);
			flush16(k);
		}
	}

	LLVMTypeRef v8 = e_vec(e, e->i32, 8);
	LLVMValueRef tailacc[MAX_RB][MAX_NT];
	if (tail) { /* vb == 64 only: one more 32-byte block with the 256-bit form */
		int sc = k->scaled;
		LLVMValueRef saved[MAX_RB][MAX_NT][4];
		for (int i = 0; i < nr; i++)
			for (int t = 0; t < nt; t++)
				for (int g = 0; g < (sc ? 4 : 1); g++) {
					saved[i][t][g] = k->acc[i][t][g];
					k->acc[i][t][g] = e_alloca(e, v8, 1);
				}
		step(k, e_i64(e, (long long)nsteps * vb), 32);
		for (int i = 0; i < nr; i++)
			for (int t = 0; t < nt; t++) {
				LLVMValueRef sum = NULL;
				for (int g = 0; g < (sc ? 4 : 1); g++) {
					LLVMValueRef v = LLVMBuildLoad2(e->b, v8, k->acc[i][t][g], "");
					if (sc && g)
						v = LLVMBuildAShr(e->b, v, e_splat(v8, 2 * g), "");
					sum = sum ? LLVMBuildAdd(e->b, sum, v, "") : v;
					k->acc[i][t][g] = saved[i][t][g];
				}
				tailacc[i][t] = e_reduce_add(e, sum);
			}
	}

	for (int i = 0; i < nr; i++)
		for (int t = 0; t < nt; t++) {
			LLVMValueRef sum = NULL;
			for (int g = 0; g < (k->scaled ? 4 : 1); g++) {
				LLVMValueRef v = LLVMBuildLoad2(e->b, vacc, k->acc[i][t][g], "");
				if (k->scaled && g)
					v = LLVMBuildAShr(e->b, v, e_splat(vacc, 2 * g), "");
				sum = sum ? LLVMBuildAdd(e->b, sum, v, "") : v;
			}
			if (k->bcast) { /* exact: the upper 8 lanes are sums of 4·c·q */
				LLVMValueRef sh[16];
				for (int l = 0; l < 16; l++)
					sh[l] = e_i32(e, l < 8 ? 0 : 2);
				sum = LLVMBuildAShr(e->b, sum, LLVMConstVector(sh, 16), "");
			}
			LLVMValueRef acc = e_reduce_add(e, sum);
			if (tail)
				acc = LLVMBuildAdd(e->b, acc, tailacc[i][t], "");
			LLVMValueRef tt = LLVMBuildAdd(e->b, tok, e_i32(e, t), "");
			LLVMValueRef sq = LLVMBuildLoad2(e->b, e->i32, LLVMBuildGEP2(e->b, e->i32, k->sumq, &tt, 1, ""), "");
			acc = LLVMBuildSub(e->b, acc, sq, "");
			LLVMValueRef yo = LLVMBuildMul(e->b, LLVMBuildSExt(e->b, tt, e->i64, ""), e->ldy, "");
			yo = LLVMBuildAdd(e->b, yo, LLVMBuildAdd(e->b, r64, e_i64(e, i), ""), "");
			LLVMValueRef st = LLVMBuildStore(e->b, acc, LLVMBuildGEP2(e->b, e->i32, e->y, &yo, 1, ""));
			LLVMSetAlignment(st, 4);
		}
}

/* sumq[t] = Σ_k q[t][k] for every token of the call */
static void sum_activations(struct i2s *k)
{
	struct emit *e = k->e;
	const struct kernel_spec *s = e->s;
	k->sumq = e_alloca(e, LLVMArrayType(e->i32, (unsigned)s->n), 0);
	LLVMTypeRef v32 = e_vec(e, e->i8, 32), v8 = e_vec(e, e->i32, 8);
	struct loop lt;
	e_loop_begin(e, &lt, e_i32(e, 0), e->n, 1);
	LLVMValueRef xt = e_gep(e, e->x, LLVMBuildMul(e->b, LLVMBuildSExt(e->b, lt.i, e->i64, ""), e->ldx, ""));
	LLVMValueRef acc = e_alloca(e, v8, 1);
	struct loop lk;
	e_loop_begin(e, &lk, e_i64(e, 0), e_i64(e, s->k), 32);
	LLVMValueRef xv = e_load(e, v32, e_gep(e, xt, lk.i));
	LLVMValueRef a = LLVMBuildLoad2(e->b, v8, acc, "");
	LLVMBuildStore(e->b, e_dot_u8s8(e, a, e_splat(v32, 1), xv, 32), acc);
	e_loop_end(e, &lk);
	LLVMValueRef sum = e_reduce_add(e, LLVMBuildLoad2(e->b, v8, acc, ""));
	LLVMBuildStore(e->b, sum, LLVMBuildGEP2(e->b, e->i32, k->sumq, &lt.i, 1, ""));
	e_loop_end(e, &lt);
}

/* rows [r0, r1) in groups of nr (then single rows) for tokens [tok, tok+nt) */
static void rows(struct i2s *k, LLVMValueRef r0, LLVMValueRef r1, LLVMValueRef tok, int nt)
{
	struct emit *e = k->e;
	int rb = e->s->rb;
	LLVMValueRef span = LLVMBuildSub(e->b, r1, r0, "");
	LLVMValueRef full = LLVMBuildAdd(e->b, r0, LLVMBuildMul(e->b, LLVMBuildSDiv(e->b, span, e_i32(e, rb), ""),
	                                                       e_i32(e, rb), ""), "");
	struct loop l;
	e_loop_begin(e, &l, r0, full, rb);
	body(k, l.i, rb, tok, nt);
	e_loop_end(e, &l);
	if (rb > 1) {
		struct loop lr;
		e_loop_begin(e, &lr, full, r1, 1);
		body(k, lr.i, 1, tok, nt);
		e_loop_end(e, &lr);
	}
}

int emit_i2s(struct emit *e, struct error *err)
{
	const struct kernel_spec *s = e->s;
	if (s->k % 128 != 0)
		return errorf(err, "i2s needs k %% 128 == 0 (k=%d)", s->k);
	if (s->rb < 1 || s->rb > MAX_RB)
		return errorf(err, "the i2s generator handles rb from 1 to %d (rb=%d)", MAX_RB, s->rb);
	if (s->bm < 1 || s->bm % s->rb != 0)
		return errorf(err, "i2s needs bm %% rb == 0 (bm=%d rb=%d)", s->bm, s->rb);
	struct i2s k = {.e = e, .kb = s->k / 4};
	int nt = 1;
	if (s->n > 1) {
		int regs = s->isa == ISA_AVX2 ? 8 : 16; /* accumulators kept in registers */
		nt = regs / s->rb;
		nt = nt < 1 ? 1 : nt > s->n ? s->n : nt;
		if (nt > MAX_NT)
			nt = MAX_NT;
	}
	sum_activations(&k);

	struct loop lt;
	e_loop_begin(e, &lt, e->row0, e->row1, s->bm);
	LLVMValueRef tend = e_smin(e, LLVMBuildAdd(e->b, lt.i, e_i32(e, s->bm), ""), e->row1);
	LLVMValueRef nfull = e->n;
	if (nt > 1)
		nfull = LLVMBuildSub(e->b, e->n, LLVMBuildSRem(e->b, e->n, e_i32(e, nt), ""), "");
	struct loop ltok;
	e_loop_begin(e, &ltok, e_i32(e, 0), nfull, nt);
	rows(&k, lt.i, tend, ltok.i, nt);
	e_loop_end(e, &ltok);
	if (nt > 1) {
		struct loop l1;
		e_loop_begin(e, &l1, nfull, e->n, 1);
		rows(&k, lt.i, tend, l1.i, 1);
		e_loop_end(e, &l1);
	}
	e_loop_end(e, &lt);
	return 0;
}
