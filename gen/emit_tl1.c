/* emit_tl1.c: the LUT kernels' shared core (emit_tl) and the TL1 kernel (docs/kernels.md §3).
 *
 * Each token's LUT is built in scratch at kernel start: for every unit (a pair, or a TL2 triple)
 * 16 int16 entries, their low bytes and their high bytes 16 bytes each. Units are grouped in
 * chunks of P = vbytes/16 so that one vector load gives the low-byte tables of P units (one per
 * 128-bit lane) and the next one their high-byte tables: chunk c holds the P low tables, then
 * the P high tables (a shorter last chunk the same way with its own count).
 * The weights give one 16-byte index vector per unit per 32-row group; pshufb of the two tables
 * by the low/high nibbles, then byte interleaving, gives int16 entries for rows 0-7, 8-15, 16-23
 * and 24-31 in each lane. They are summed in int16 for at most max_flush units (exact: the bound
 * is the kind's legality rule) and then widened into int32 per row.
 * requires: llvm */
#include <llvm-c/Core.h>

#include "gen/emit.h"

#define MAX_R 4
#define MAX_NT 8

struct tl {
	struct emit *e;
	const struct tl_section *sec;
	int P;      /* units per chunk */
	int R, nt;  /* row groups and tokens of the body being emitted */
	long long ls; /* bytes per token LUT in scratch */
	LLVMValueRef g[MAX_R];           /* i64 row-group index of each group */
	LLVMValueRef lut[MAX_NT];        /* each token's LUT */
	LLVMValueRef acc16[MAX_R][MAX_NT][4];
	LLVMValueRef acc32[MAX_R][MAX_NT][4];
};

/* concatenation of two vectors of one type */
static LLVMValueRef concat(struct emit *e, LLVMValueRef a, LLVMValueRef b)
{
	unsigned n = LLVMGetVectorSize(LLVMTypeOf(a));
	LLVMValueRef mask[128];
	for (unsigned i = 0; i < 2 * n; i++)
		mask[i] = e_i32(e, i);
	return LLVMBuildShuffleVector(e->b, a, b, LLVMConstVector(mask, 2 * n), "");
}

/* P parts of `part` bytes as one <P*part x i8>: part j (< cnt) loaded from base + off + step*j,
 * the others zero; one load when the parts are contiguous and all present */
static LLVMValueRef load_parts(struct emit *e, LLVMValueRef base, LLVMValueRef off, int step, int part,
                               int cnt, int P)
{
	LLVMTypeRef whole = e_vec(e, e->i8, (unsigned)(P * part)), pt = e_vec(e, e->i8, (unsigned)part);
	if (cnt == P && step == part)
		return e_load(e, whole, e_gep(e, base, off));
	LLVMValueRef parts[8];
	for (int j = 0; j < P; j++)
		parts[j] = j < cnt ? e_load(e, pt, e_gep(e, base, LLVMBuildAdd(e->b, off, e_i64(e, (long long)step * j), "")))
		                   : LLVMConstNull(pt);
	for (int n = P; n > 1; n /= 2)
		for (int j = 0; j < n / 2; j++)
			parts[j] = concat(e, parts[2 * j], parts[2 * j + 1]);
	return parts[0];
}

/* byte interleave of a and b within each 128-bit lane (half 0: bytes 0-7, half 1: bytes 8-15)
 * as int16: element 8l+j = a[16l+8h+j] | b[16l+8h+j] << 8 */
static LLVMValueRef interleave(struct emit *e, LLVMValueRef a, LLVMValueRef b, int half)
{
	unsigned vb = LLVMGetVectorSize(LLVMTypeOf(a));
	LLVMValueRef mask[64];
	for (unsigned l = 0; l < vb / 16; l++)
		for (unsigned j = 0; j < 8; j++) {
			mask[16 * l + 2 * j] = e_i32(e, 16 * l + 8 * half + j);
			mask[16 * l + 2 * j + 1] = e_i32(e, vb + 16 * l + 8 * half + j);
		}
	LLVMValueRef v = LLVMBuildShuffleVector(e->b, a, b, LLVMConstVector(mask, vb), "");
	return e_cast(e, v, e_vec(e, e->i16, vb / 2));
}

static LLVMValueRef pshufb(struct emit *e, LLVMValueRef table, LLVMValueRef idx)
{
	LLVMValueRef a[2] = {table, idx};
	unsigned vb = LLVMGetVectorSize(LLVMTypeOf(idx));
	return e_intrinsic(e, vb == 64 ? "llvm.x86.avx512.pshuf.b.512" : "llvm.x86.avx2.pshuf.b", NULL, 0, a, 2);
}

/* the sign conditions of quarter qd (rows 8qd..8qd+7) of P units from their uint32 words */
static LLVMValueRef sign_quarter(struct tl *k, LLVMValueRef words, int qd)
{
	struct emit *e = k->e;
	int n = 8 * k->P;
	LLVMValueRef mask[64], bits[64];
	for (int l = 0; l < k->P; l++)
		for (int j = 0; j < 8; j++) {
			mask[8 * l + j] = e_i32(e, 4 * l + qd);
			bits[8 * l + j] = e_const(e->i16, 1 << j);
		}
	LLVMValueRef v = LLVMBuildShuffleVector(e->b, words, words, LLVMConstVector(mask, (unsigned)n), "");
	v = LLVMBuildZExt(e->b, v, e_vec(e, e->i16, (unsigned)n), "");
	v = LLVMBuildAnd(e->b, v, LLVMConstVector(bits, (unsigned)n), "");
	return LLVMBuildICmp(e->b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
}

/* one chunk of cnt units starting at unit u0 (i64 value) of every group and token */
static void chunk(struct tl *k, LLVMValueRef u0, int cnt)
{
	struct emit *e = k->e;
	const struct tl_section *sec = k->sec;
	int vb = 16 * k->P;
	LLVMTypeRef v8 = e_vec(e, e->i8, (unsigned)vb), v16 = e_vec(e, e->i8, (unsigned)vb);
	v16 = e_vec(e, e->i16, (unsigned)vb / 2);
	LLVMValueRef lo[MAX_R], hi[MAX_R], sg[MAX_R][4];
	LLVMValueRef u16 = LLVMBuildMul(e->b, u0, e_i64(e, 16), "");
	for (int r = 0; r < k->R; r++) {
		LLVMValueRef off = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, k->g[r], e_i64(e, sec->w_stride), ""),
		                                e_i64(e, sec->w_off), "");
		off = LLVMBuildAdd(e->b, off, u16, "");
		LLVMValueRef w = load_parts(e, e->w, off, 16, 16, cnt, k->P);
		lo[r] = LLVMBuildAnd(e->b, w, e_splat(v8, 15), "");
		hi[r] = LLVMBuildAnd(e->b, e_cast(e, LLVMBuildLShr(e->b, e_cast(e, w, v16), e_splat(v16, 4), ""), v8),
		                     e_splat(v8, 15), "");
		if (sec->s_off >= 0) {
			LLVMValueRef so = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, k->g[r], e_i64(e, sec->s_stride), ""),
			                               e_i64(e, sec->s_off), "");
			so = LLVMBuildAdd(e->b, so, LLVMBuildMul(e->b, u0, e_i64(e, 4), ""), "");
			LLVMValueRef words = load_parts(e, e->w, so, 4, 4, cnt, k->P);
			for (int qd = 0; qd < 4; qd++)
				sg[r][qd] = sign_quarter(k, words, qd);
		}
	}
	LLVMValueRef lo_off = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, u0, e_i64(e, 32), ""), e_i64(e, sec->lut_off), "");
	LLVMValueRef hi_off = LLVMBuildAdd(e->b, lo_off, e_i64(e, 16LL * cnt), "");
	for (int t = 0; t < k->nt; t++) {
		LLVMValueRef tlo = load_parts(e, k->lut[t], lo_off, 16, 16, cnt, k->P);
		LLVMValueRef thi = load_parts(e, k->lut[t], hi_off, 16, 16, cnt, k->P);
		for (int r = 0; r < k->R; r++) {
			for (int h = 0; h < 2; h++) {
				LLVMValueRef idx = h ? hi[r] : lo[r];
				LLVMValueRef a = e_cast(e, pshufb(e, tlo, idx), v8), b = e_cast(e, pshufb(e, thi, idx), v8);
				for (int half = 0; half < 2; half++) {
					int qd = 2 * h + half;
					LLVMValueRef v = interleave(e, a, b, half);
					if (sec->s_off >= 0)
						v = LLVMBuildSelect(e->b, sg[r][qd], LLVMBuildNeg(e->b, v, ""), v, "");
					LLVMValueRef s = k->acc16[r][t][qd];
					LLVMBuildStore(e->b, LLVMBuildAdd(e->b, LLVMBuildLoad2(e->b, v16, s, ""), v, ""), s);
				}
			}
		}
	}
}

/* widens the int16 sums into the int32 row accumulators and clears them */
static void flush(struct tl *k)
{
	struct emit *e = k->e;
	int n = 8 * k->P;
	LLVMTypeRef v16 = e_vec(e, e->i16, (unsigned)n), v32 = e_vec(e, e->i32, (unsigned)n);
	LLVMTypeRef r8 = e_vec(e, e->i32, 8);
	for (int r = 0; r < k->R; r++)
		for (int t = 0; t < k->nt; t++)
			for (int qd = 0; qd < 4; qd++) {
				LLVMValueRef w = LLVMBuildSExt(e->b, LLVMBuildLoad2(e->b, v16, k->acc16[r][t][qd], ""), v32, "");
				LLVMValueRef sum = LLVMBuildLoad2(e->b, r8, k->acc32[r][t][qd], "");
				for (int l = 0; l < k->P; l++) {
					LLVMValueRef mask[8];
					for (int j = 0; j < 8; j++)
						mask[j] = e_i32(e, 8 * l + j);
					sum = LLVMBuildAdd(e->b, sum, LLVMBuildShuffleVector(e->b, w, w, LLVMConstVector(mask, 8), ""), "");
				}
				LLVMBuildStore(e->b, sum, k->acc32[r][t][qd]);
				LLVMBuildStore(e->b, LLVMConstNull(v16), k->acc16[r][t][qd]);
			}
}

static void prefetch_groups(struct tl *k, LLVMValueRef u0, int bytes)
{
	struct emit *e = k->e;
	if (e->s->prefetch <= 0)
		return;
	for (int r = 0; r < k->R; r++)
		for (int b = 0; b < bytes; b += 64) {
			LLVMValueRef off = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, k->g[r], e_i64(e, k->sec->w_stride), ""),
			                                e_i64(e, k->sec->w_off + e->s->prefetch + b), "");
			off = LLVMBuildAdd(e->b, off, LLVMBuildMul(e->b, u0, e_i64(e, 16), ""), "");
			e_prefetch(e, e_gep(e, e->w, off));
		}
}

/* `count` full chunks from unit u0 (i64 value), unrolled by spec.unroll */
static void chunks(struct tl *k, LLVMValueRef u0, int count)
{
	struct emit *e = k->e;
	int P = k->P, u = e->s->unroll < 1 ? 1 : e->s->unroll;
	if (u > count)
		u = count;
	int loops = u ? count / u : 0;
	if (loops > 1) {
		struct loop l;
		e_loop_begin(e, &l, e_i64(e, 0), e_i64(e, (long long)loops * u * P), (long long)u * P);
		LLVMValueRef b = LLVMBuildAdd(e->b, u0, l.i, "");
		prefetch_groups(k, b, 16 * u * P);
		for (int c = 0; c < u; c++)
			chunk(k, LLVMBuildAdd(e->b, b, e_i64(e, (long long)c * P), ""), P);
		e_loop_end(e, &l);
	} else if (loops == 1) {
		prefetch_groups(k, u0, 16 * u * P);
		for (int c = 0; c < u; c++)
			chunk(k, LLVMBuildAdd(e->b, u0, e_i64(e, (long long)c * P), ""), P);
	}
	for (int c = loops * u; c < count; c++)
		chunk(k, LLVMBuildAdd(e->b, u0, e_i64(e, (long long)c * P), ""), P);
}

/* one section for the current groups and tokens */
static void section(struct tl *k, const struct tl_section *sec)
{
	struct emit *e = k->e;
	int P = k->P;
	k->sec = sec;
	if (sec->units == 0)
		return;
	int f = e->s->bk / sec->arity;
	if (f > sec->max_flush)
		f = sec->max_flush;
	int cpf = f / P < 1 ? 1 : f / P; /* chunks per int16 tile */
	int nfull = sec->units / P, rem = sec->units % P;
	if (cpf > nfull)
		cpf = nfull < 1 ? 1 : nfull;
	int ntiles = nfull / cpf, left = nfull % cpf;
	if (ntiles > 1) {
		struct loop l;
		e_loop_begin(e, &l, e_i64(e, 0), e_i64(e, (long long)ntiles * cpf * P), (long long)cpf * P);
		chunks(k, l.i, cpf);
		flush(k);
		e_loop_end(e, &l);
	} else if (ntiles == 1) {
		chunks(k, e_i64(e, 0), cpf);
		flush(k);
	}
	if (left || rem) {
		chunks(k, e_i64(e, (long long)ntiles * cpf * P), left);
		if (rem)
			chunk(k, e_i64(e, (long long)nfull * P), rem);
		flush(k);
	}
}

/* R row groups from group g0 (i32 value) × tokens [tok, tok+nt) over every section */
static void body(struct tl *k, const struct tl_section *sec, int nsec, LLVMValueRef g0, int R,
                 LLVMValueRef tok, int nt)
{
	struct emit *e = k->e;
	k->R = R;
	k->nt = nt;
	int n16 = 4 * k->P;
	LLVMValueRef g64 = LLVMBuildSExt(e->b, g0, e->i64, "");
	for (int r = 0; r < R; r++)
		k->g[r] = LLVMBuildAdd(e->b, g64, e_i64(e, r), "");
	LLVMValueRef tok64 = LLVMBuildSExt(e->b, tok, e->i64, "");
	for (int t = 0; t < nt; t++) {
		LLVMValueRef tt = LLVMBuildAdd(e->b, tok64, e_i64(e, t), "");
		k->lut[t] = e_gep(e, e->scratch, LLVMBuildMul(e->b, tt, e_i64(e, k->ls), ""));
		for (int r = 0; r < R; r++)
			for (int qd = 0; qd < 4; qd++) {
				k->acc16[r][t][qd] = e_alloca(e, e_vec(e, e->i16, (unsigned)n16 * 2), 1);
				k->acc32[r][t][qd] = e_alloca(e, e_vec(e, e->i32, 8), 1);
			}
	}
	for (int i = 0; i < nsec; i++)
		section(k, &sec[i]);
	LLVMTypeRef r8 = e_vec(e, e->i32, 8);
	for (int t = 0; t < nt; t++) {
		LLVMValueRef yt = LLVMBuildMul(e->b, LLVMBuildAdd(e->b, tok64, e_i64(e, t), ""), e->ldy, "");
		for (int r = 0; r < R; r++)
			for (int qd = 0; qd < 4; qd++) {
				LLVMValueRef row = LLVMBuildAdd(e->b, LLVMBuildMul(e->b, k->g[r], e_i64(e, 32), ""), e_i64(e, 8 * qd), "");
				LLVMValueRef yo = LLVMBuildAdd(e->b, yt, row, "");
				LLVMValueRef p = LLVMBuildGEP2(e->b, e->i32, e->y, &yo, 1, "");
				LLVMValueRef st = LLVMBuildStore(e->b, LLVMBuildLoad2(e->b, r8, k->acc32[r][t][qd], ""), p);
				LLVMSetAlignment(st, 4);
			}
	}
}

/* builds every token's LUT of one section in scratch */
static void build_luts(struct tl *k, const struct tl_section *sec)
{
	struct emit *e = k->e;
	if (sec->units == 0)
		return;
	LLVMTypeRef v16 = e_vec(e, e->i16, 16), b16 = e_vec(e, e->i8, 16);
	LLVMValueRef coef[3];
	for (int a = 0; a < sec->arity; a++) {
		LLVMValueRef c[16];
		for (int i = 0; i < 16; i++)
			c[i] = e_const(e->i16, sec->coef[i][a]);
		coef[a] = LLVMConstVector(c, 16);
	}
	struct loop lt;
	e_loop_begin(e, &lt, e_i32(e, 0), e->n, 1);
	LLVMValueRef t64 = LLVMBuildSExt(e->b, lt.i, e->i64, "");
	LLVMValueRef xt = e_gep(e, e->x, LLVMBuildAdd(e->b, LLVMBuildMul(e->b, t64, e->ldx, ""), e_i64(e, sec->x_col), ""));
	LLVMValueRef lut = e_gep(e, e->scratch, LLVMBuildAdd(e->b, LLVMBuildMul(e->b, t64, e_i64(e, k->ls), ""),
	                                                    e_i64(e, sec->lut_off), ""));
	int P = k->P, nfull = sec->units / P, rem = sec->units % P;
	for (int part = 0; part < 2; part++) {
		int cnt = part ? rem : P;
		if (cnt == 0 || (part == 0 && nfull == 0))
			continue;
		struct loop lc;
		if (part == 0)
			e_loop_begin(e, &lc, e_i64(e, 0), e_i64(e, (long long)nfull * P), P);
		LLVMValueRef u0 = part == 0 ? lc.i : e_i64(e, (long long)nfull * P);
		for (int j = 0; j < cnt; j++) {
			LLVMValueRef u = LLVMBuildAdd(e->b, u0, e_i64(e, j), "");
			LLVMValueRef xo = LLVMBuildMul(e->b, u, e_i64(e, sec->arity), "");
			LLVMValueRef ent = LLVMConstNull(v16);
			for (int a = 0; a < sec->arity; a++) {
				LLVMValueRef q = e_load(e, e->i8, e_gep(e, xt, LLVMBuildAdd(e->b, xo, e_i64(e, a), "")));
				q = LLVMBuildSExt(e->b, q, e->i16, "");
				LLVMValueRef qs = LLVMBuildInsertElement(e->b, LLVMGetUndef(v16), q, e_i32(e, 0), "");
				qs = LLVMBuildShuffleVector(e->b, qs, LLVMGetUndef(v16), LLVMConstNull(e_vec(e, e->i32, 16)), "");
				ent = LLVMBuildAdd(e->b, ent, LLVMBuildMul(e->b, qs, coef[a], ""), "");
			}
			LLVMValueRef lob = LLVMBuildTrunc(e->b, ent, b16, "");
			LLVMValueRef hib = LLVMBuildTrunc(e->b, LLVMBuildLShr(e->b, ent, e_splat(v16, 8), ""), b16, "");
			LLVMValueRef base = LLVMBuildMul(e->b, u0, e_i64(e, 32), "");
			e_store(e, lob, e_gep(e, lut, LLVMBuildAdd(e->b, base, e_i64(e, 16LL * j), "")));
			e_store(e, hib, e_gep(e, lut, LLVMBuildAdd(e->b, base, e_i64(e, 16LL * cnt + 16LL * j), "")));
		}
		if (part == 0)
			e_loop_end(e, &lc);
	}
	e_loop_end(e, &lt);
}

/* rows groups [g0, g1) in sets of R (then single groups) for tokens [tok, tok+nt) */
static void groups(struct tl *k, const struct tl_section *sec, int nsec, LLVMValueRef g0, LLVMValueRef g1,
                   int R, LLVMValueRef tok, int nt)
{
	struct emit *e = k->e;
	LLVMValueRef span = LLVMBuildSub(e->b, g1, g0, "");
	LLVMValueRef full = LLVMBuildAdd(e->b, g0, LLVMBuildMul(e->b, LLVMBuildSDiv(e->b, span, e_i32(e, R), ""),
	                                                       e_i32(e, R), ""), "");
	struct loop l;
	e_loop_begin(e, &l, g0, full, R);
	body(k, sec, nsec, l.i, R, tok, nt);
	e_loop_end(e, &l);
	if (R > 1) {
		struct loop l1;
		e_loop_begin(e, &l1, full, g1, 1);
		body(k, sec, nsec, l1.i, 1, tok, nt);
		e_loop_end(e, &l1);
	}
}

int emit_tl(struct emit *e, const struct tl_section *sec, int nsec, struct error *err)
{
	const struct kernel_spec *s = e->s;
	if (s->m % 32 != 0 || s->bm % 32 != 0 || s->rb % 32 != 0 || s->bm % s->rb != 0)
		return errorf(err, "%s needs m, bm and rb multiples of 32 and bm %% rb == 0 (m=%d bm=%d rb=%d)",
		              kind_name(s->kind), s->m, s->bm, s->rb);
	struct tl k = {.e = e, .P = e->vbytes / 16};
	long long lut = 0;
	for (int i = 0; i < nsec; i++)
		lut += 32LL * sec[i].units;
	k.ls = (lut + 63) & ~63LL;
	int R = s->rb / 32;
	if (R > MAX_R)
		R = MAX_R; /* more row groups per pass only add register pressure */
	int nt = 1;
	if (s->n > 1) {
		nt = 4 / R;
		nt = nt < 1 ? 1 : nt > s->n ? s->n : nt;
	}
	for (int i = 0; i < nsec; i++)
		build_luts(&k, &sec[i]);

	int bmg = s->bm / 32;
	LLVMValueRef g0 = LLVMBuildSDiv(e->b, e->row0, e_i32(e, 32), "");
	LLVMValueRef g1 = LLVMBuildSDiv(e->b, LLVMBuildAdd(e->b, e->row1, e_i32(e, 31), ""), e_i32(e, 32), "");
	struct loop lt;
	e_loop_begin(e, &lt, g0, g1, bmg);
	LLVMValueRef tend = e_smin(e, LLVMBuildAdd(e->b, lt.i, e_i32(e, bmg), ""), g1);
	LLVMValueRef nfull = e->n;
	if (nt > 1)
		nfull = LLVMBuildSub(e->b, e->n, LLVMBuildSRem(e->b, e->n, e_i32(e, nt), ""), "");
	struct loop ltok;
	e_loop_begin(e, &ltok, e_i32(e, 0), nfull, nt);
	groups(&k, sec, nsec, lt.i, tend, R, ltok.i, nt);
	e_loop_end(e, &ltok);
	if (nt > 1) {
		struct loop l1;
		e_loop_begin(e, &l1, nfull, e->n, 1);
		groups(&k, sec, nsec, lt.i, tend, R, l1.i, 1);
		e_loop_end(e, &l1);
	}
	e_loop_end(e, &lt);
	return 0;
}

/* TL1 entry i = (i/3 - 1)·q0 + (i%3 - 1)·q1 for i ≤ 8, else 0 */
static const signed char tl1_coef[16][3] = {
	{-1, -1}, {-1, 0}, {-1, 1}, {0, -1}, {0, 0}, {0, 1}, {1, -1}, {1, 0}, {1, 1},
};

int emit_tl1(struct emit *e, struct error *err)
{
	const struct kernel_spec *s = e->s;
	if (s->k % 2 != 0 || s->bk > 256 || s->bk < 2)
		return errorf(err, "tl1 needs k even and 2 <= bk <= 256 (k=%d bk=%d)", s->k, s->bk);
	struct tl_section sec = {
		.units = s->k / 2, .arity = 2, .x_col = 0, .w_off = 0, .w_stride = 16LL * (s->k / 2),
		.s_off = -1, .lut_off = 0, .max_flush = 128, .coef = tl1_coef,
	};
	return emit_tl(e, &sec, 1, err);
}
