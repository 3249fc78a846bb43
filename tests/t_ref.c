/* t_ref.c: activation quantization, the I2S/TL1/TL2 packers and reference kernels (exact equality
 * with the dense definition and with each other), spec legality and default tiles. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "base/rng.h"
#include "base/util.h"
#include "kernel/kernel.h"
#include "kernel/model_specs.h"
#include "tests/test.h"

static const enum kernel_kind kinds[] = {KIND_I2S, KIND_TL1, KIND_TL2};

static void random_ternary(struct rng *g, int8_t *t, size_t count)
{
	int zero_pct = (int)rng_below(g, 90); /* sparsity varies from matrix to matrix */
	for (size_t i = 0; i < count; i++)
		t[i] = rng_below(g, 100) < (uint64_t)zero_pct ? 0 : (rng_below(g, 2) ? 1 : -1);
}

static void random_int8(struct rng *g, int8_t *q, size_t count)
{
	for (size_t i = 0; i < count; i++)
		q[i] = (int8_t)((int)rng_below(g, 255) - 127);
}

/* a legal spec of kind with tiles bm/bk; the ISA is scalar (tile params never change layouts) */
static struct kernel_spec make_spec(enum kernel_kind kind, int32_t m, int32_t k, int32_t n, int32_t bm,
                                    int32_t bk)
{
	struct kernel_spec s = {.kind = kind, .isa = ISA_SCALAR, .m = m, .k = k, .n = n, .bm = bm, .bk = bk,
	                        .rb = kind == KIND_I2S ? 1 : 32, .unroll = 1, .prefetch = 0, .threads = 1};
	return s;
}

/* random legal (m, k, bm, bk) for a kind, small enough to be fast */
static struct kernel_spec random_spec(struct rng *g, enum kernel_kind kind, int32_t n)
{
	int32_t m, k, bm, bk;
	switch (kind) {
	case KIND_I2S:
		m = 1 + (int32_t)rng_below(g, 70);
		k = 128 * (1 + (int32_t)rng_below(g, 4));
		bm = 1 + (int32_t)rng_below(g, 20);
		bk = 128 * (1 + (int32_t)rng_below(g, 3));
		break;
	case KIND_TL1:
		m = 32 * (1 + (int32_t)rng_below(g, 3));
		k = 2 * (1 + (int32_t)rng_below(g, 300));
		bm = 32 * (1 + (int32_t)rng_below(g, 3));
		bk = 2 * (1 + (int32_t)rng_below(g, 128));
		break;
	default:
		m = 32 * (1 + (int32_t)rng_below(g, 3));
		k = 2 + (int32_t)rng_below(g, 600);
		bm = 32 * (1 + (int32_t)rng_below(g, 3));
		bk = 3 * (1 + (int32_t)rng_below(g, 80));
		break;
	}
	return make_spec(kind, m, k, n, bm, bk);
}

/* runs ref_kernel of s over rows [row0, row1) and checks it against ref_dense; rows outside the
 * range and stride padding must keep their sentinel */
static void check_against_dense(const struct kernel_spec *s, const int8_t *t, const int8_t *x, int64_t ldx,
                                int32_t n, int64_t ldy, int32_t row0, int32_t row1)
{
	struct error e;
	CHECKF(spec_legal(s, &e) == 0, "spec should be legal: %s", e.msg);
	uint8_t *w = xmalloc(pack_size(s) + 1);
	pack_weights(s, t, w);
	size_t ybytes = (size_t)ldy * n * sizeof(int32_t);
	int32_t *y = xmalloc(ybytes), *want = xmalloc(ybytes);
	memset(y, 0x5a, ybytes);
	ref_dense(t, s->m, s->k, x, ldx, n, want, ldy);
	size_t scratch_bytes = kernel_scratch_size(s);
	void *scratch = scratch_bytes ? xaligned_alloc(64, scratch_bytes) : NULL;
	struct kernel_args a = {.w = w, .x = x, .y = y, .ldx = ldx, .ldy = ldy, .n = n,
	                        .row0 = row0, .row1 = row1, .scratch = scratch};
	ref_kernel(s, &a);
	int bad = 0;
	for (int32_t i = 0; i < n && !bad; i++)
		for (int64_t r = 0; r < ldy && !bad; r++) {
			int32_t got = y[i * ldy + r];
			if (r >= row0 && r < row1) {
				if (got != want[i * ldy + r]) {
					test_fail(__FILE__, __LINE__,
					          "kind %d m=%d k=%d bm=%d bk=%d n=%d rows %d..%d: y[%d][%lld] = %d, dense %d",
					          s->kind, s->m, s->k, s->bm, s->bk, n, row0, row1, i, (long long)r, got,
					          want[i * ldy + r]);
					bad = 1;
				}
			} else if (got != 0x5a5a5a5a) {
				test_fail(__FILE__, __LINE__, "kind %d wrote y[%d][%lld] outside rows %d..%d", s->kind, i,
				          (long long)r, row0, row1);
				bad = 1;
			}
		}
	free(scratch);
	free(y);
	free(want);
	free(w);
}

TEST(pack_unpack_is_identity)
{
	struct rng g;
	rng_seed(&g, 1);
	for (size_t ki = 0; ki < COUNTOF(kinds); ki++)
		for (int iter = 0; iter < 60 && !test_failed(); iter++) {
			struct kernel_spec s = random_spec(&g, kinds[ki], 1);
			size_t count = (size_t)s.m * s.k, bytes = pack_size(&s);
			int8_t *t = xmalloc(count), *back = xmalloc(count);
			uint8_t *p1 = xmalloc(bytes + 1), *p2 = xmalloc(bytes + 1);
			random_ternary(&g, t, count);
			/* every byte must be determined by the weights, whatever the buffer held */
			memset(p1, 0x00, bytes);
			memset(p2, 0xff, bytes);
			pack_weights(&s, t, p1);
			pack_weights(&s, t, p2);
			CHECKF(memcmp(p1, p2, bytes) == 0, "kind %d m=%d k=%d: packed bytes depend on old contents",
			       s.kind, s.m, s.k);
			memset(back, 7, count);
			unpack_weights(&s, p1, back);
			CHECKF(memcmp(t, back, count) == 0, "kind %d m=%d k=%d: unpack(pack(t)) != t", s.kind, s.m, s.k);
			free(t);
			free(back);
			free(p1);
			free(p2);
		}
}

TEST(pack_sizes_match_the_documented_layouts)
{
	struct kernel_spec s = make_spec(KIND_I2S, 64, 256, 1, 32, 128);
	CHECK_EQ_INT(pack_size(&s), 64 * 256 / 4);
	s = make_spec(KIND_TL1, 64, 10, 1, 32, 2);
	CHECK_EQ_INT(pack_size(&s), 64 * 10 / 4);
	s = make_spec(KIND_TL2, 64, 7, 1, 32, 3); /* one triple + two tail pairs */
	CHECK_EQ_INT(pack_size(&s), 2 * (20 * 1 + 16 * 2));
	s = make_spec(KIND_TL2, 32, 9, 1, 32, 3); /* three triples, no tail */
	CHECK_EQ_INT(pack_size(&s), 20 * 3);
	s = make_spec(KIND_TL2, 32, 8, 1, 32, 3); /* two triples + one pair */
	CHECK_EQ_INT(pack_size(&s), 20 * 2 + 16);
	CHECK_EQ_INT(kernel_scratch_size(&(struct kernel_spec){.kind = KIND_I2S, .m = 32, .k = 128, .n = 4}), 0);
	CHECK_EQ_INT(kernel_scratch_size(&(struct kernel_spec){.kind = KIND_TL1, .m = 32, .k = 6, .n = 3}),
	             3 * 128); /* 3 pairs = 96 bytes, padded to 128 */
	CHECK_EQ_INT(kernel_scratch_size(&(struct kernel_spec){.kind = KIND_TL2, .m = 32, .k = 9, .n = 2}),
	             2 * 128);
}

/* one weight set in an all-zero matrix must land exactly where docs/kernels.md says */
TEST(single_weight_lands_at_the_documented_byte)
{
	enum { M = 64, K = 256 };
	static int8_t t[M * K];
	static uint8_t p[M * K];
	int32_t r = 37, c = 128 + 64 + 5; /* I2S: block 1, g 2, j 5 */
	memset(t, 0, sizeof t);
	t[r * K + c] = 1;
	struct kernel_spec s = make_spec(KIND_I2S, M, K, 1, 32, 128);
	pack_weights(&s, t, p);
	for (size_t i = 0; i < pack_size(&s); i++) {
		uint8_t want = i == (size_t)r * K / 4 + 32 + 5 ? (uint8_t)(0x55 & ~(3 << 4)) | 2 << 4 : 0x55;
		CHECKF(p[i] == want, "i2s byte %zu = %#x, want %#x", i, p[i], want);
	}
	/* TL1: row 37 = group 1, j 5 (low nibble); c is odd, so pair 98 = (0, -1), idx 3 */
	t[r * K + c] = -1;
	s = make_spec(KIND_TL1, M, K, 1, 32, 2);
	pack_weights(&s, t, p);
	size_t at = (size_t)1 * 16 * (K / 2) + 16 * (size_t)(c / 2) + 5;
	for (size_t i = 0; i < pack_size(&s); i++) {
		uint8_t want = i == at ? (uint8_t)(0x40 | 3) : 0x44; /* idx(0,-1) = 3 */
		CHECKF(p[i] == want, "tl1 byte %zu = %#x, want %#x", i, p[i], want);
	}
	/* TL2, K = 256 = 3*84 + 4: c = 197 is triple 65, position 2 (t2 = -1 → v = -1);
	 * row 53 = group 1, j 21 (high nibble, sign bit 21) */
	t[r * K + c] = 0;
	r = 53;
	t[r * K + c] = -1;
	s = make_spec(KIND_TL2, M, K, 1, 32, 3);
	pack_weights(&s, t, p);
	size_t nt = 84, nib = 1 * 16 * nt + 16 * 65 + 5, s0 = 2 * 16 * nt, sign = s0 + 1 * 4 * nt + 4 * 65 + 2;
	for (size_t i = 0; i < pack_size(&s); i++) {
		uint8_t want = i == nib ? 0x10 : i == sign ? 1 << 5 : i >= s0 + 2 * 4 * nt ? 0x44 : 0;
		CHECKF(p[i] == want, "tl2 byte %zu = %#x, want %#x", i, p[i], want);
	}
}

TEST(ref_kernels_equal_dense_on_random_shapes)
{
	static const int32_t ns[] = {1, 2, 3, 8, 17};
	struct rng g;
	rng_seed(&g, 2);
	for (size_t ki = 0; ki < COUNTOF(kinds); ki++)
		for (int iter = 0; iter < 40 && !test_failed(); iter++) {
			int32_t n = ns[iter % COUNTOF(ns)];
			struct kernel_spec s = random_spec(&g, kinds[ki], n);
			int32_t ncall = iter % 3 == 0 ? 1 + (int32_t)rng_below(&g, (uint64_t)n) : n;
			int64_t ldx = s.k + (iter % 2 ? (int64_t)rng_below(&g, 9) : 0);
			int64_t ldy = s.m + (iter % 2 ? 0 : (int64_t)rng_below(&g, 5));
			/* a row range on tile boundaries, possibly ending at the tail row1 == m */
			int32_t tiles = (s.m + s.bm - 1) / s.bm;
			int32_t t0 = (int32_t)rng_below(&g, (uint64_t)tiles), t1 = t0 + (int32_t)rng_below(&g, (uint64_t)(tiles - t0 + 1));
			int32_t row0 = t0 * s.bm, row1 = MIN(t1 * s.bm, s.m);
			if (iter % 4 == 0)
				row0 = 0, row1 = s.m;
			int8_t *t = xmalloc((size_t)s.m * s.k), *x = xmalloc((size_t)ldx * n);
			random_ternary(&g, t, (size_t)s.m * s.k);
			random_int8(&g, x, (size_t)ldx * n);
			check_against_dense(&s, t, x, ldx, ncall, ldy, row0, row1);
			free(t);
			free(x);
		}
}

/* activations at the int16 limits: q = ±127 with weights matching (or opposing) their signs,
 * at the largest legal bk, so every TL tile sum sits right at its proven bound */
TEST(ref_kernels_exact_at_int16_bounds)
{
	enum { M = 64, K = 768 };
	static int8_t t[M * K], x[3 * K];
	for (int c = 0; c < K; c++) {
		x[c] = 127;                           /* all equal, maximal */
		x[K + c] = c % 2 ? -127 : 127;        /* alternating */
		x[2 * K + c] = (int8_t)(c % 5 == 0 ? -127 : 127);
	}
	for (int r = 0; r < M; r++)
		for (int c = 0; c < K; c++) {
			int sign = r % 4 == 0 ? 1 : r % 4 == 1 ? -1 : r % 4 == 2 ? (c % 2 ? -1 : 1) : (c % 5 == 0 ? -1 : 1);
			t[r * K + c] = (int8_t)(r % 8 < 4 ? sign : -sign);
		}
	struct kernel_spec s = make_spec(KIND_TL1, M, K, 3, 32, 256);
	check_against_dense(&s, t, x, K, 3, M, 0, M);
	s = make_spec(KIND_TL2, M, K, 3, 32, 240);
	check_against_dense(&s, t, x, K, 3, M, 0, M);
	s = make_spec(KIND_I2S, M, K, 3, 32, 256);
	check_against_dense(&s, t, x, K, 3, M, 0, M);
}

/* the bound is real: one pair over the TL1 limit (bk = 512 > 256) wraps the int16 tile sum */
TEST(tl1_tile_over_the_bound_would_wrap)
{
	enum { M = 32, K = 512 };
	static int8_t t[M * K], x[K];
	memset(t, 1, sizeof t);
	memset(x, 127, sizeof x);
	struct kernel_spec s = make_spec(KIND_TL1, M, K, 1, 32, 512);
	struct error e;
	CHECK(spec_legal(&s, &e) < 0);
	static uint8_t w[M * K / 4];
	pack_weights(&s, t, w);
	int32_t y[M];
	void *scratch = xaligned_alloc(64, kernel_scratch_size(&s));
	struct kernel_args a = {.w = w, .x = x, .y = y, .ldx = K, .ldy = M, .n = 1, .row0 = 0, .row1 = M,
	                        .scratch = scratch};
	ref_kernel(&s, &a);
	CHECK(y[0] != K * 127); /* 65024 does not fit in int16 */
	s.bk = 256;
	ref_kernel(&s, &a);
	CHECK_EQ_INT(y[0], K * 127);
	free(scratch);
}

/* runs all three kinds on the same float tokens; int32 and dequantized float outputs must be
 * identical to each other and to the dense definition */
static void check_kinds_identical(const int8_t *t, int32_t m, int32_t k, const float *xf, int32_t n)
{
	int8_t *q = xmalloc((size_t)k * n);
	float *sc = xmalloc(sizeof(float) * n);
	for (int32_t i = 0; i < n; i++)
		sc[i] = quantize_act(xf + (size_t)i * k, k, q + (size_t)i * k);
	int32_t *want = xmalloc(sizeof(int32_t) * m * n), *y = xmalloc(sizeof(int32_t) * m * n);
	float *fwant = xmalloc(sizeof(float) * m * n), *fy = xmalloc(sizeof(float) * m * n);
	ref_dense(t, m, k, q, k, n, want, m);
	const float alpha = 0.731f;
	for (int32_t i = 0; i < m * n; i++)
		fwant[i] = dequant_out(want[i], alpha, sc[i / m]);
	for (size_t ki = 0; ki < COUNTOF(kinds) && !test_failed(); ki++) {
		struct cpu_info c = {.l1d = 48 * 1024, .l2 = 2 * 1024 * 1024, .physical_cores = 1};
		struct kernel_spec s;
		struct error e;
		CHECKF(spec_default(&s, kinds[ki], ISA_SCALAR, m, k, n, &c, &e) == 0, "%s", e.msg);
		uint8_t *w = xmalloc(pack_size(&s));
		pack_weights(&s, t, w);
		size_t sb = kernel_scratch_size(&s);
		void *scratch = sb ? xaligned_alloc(64, sb) : NULL;
		struct kernel_args a = {.w = w, .x = q, .y = y, .ldx = k, .ldy = m, .n = n, .row0 = 0, .row1 = m,
		                        .scratch = scratch};
		ref_kernel(&s, &a);
		for (int32_t i = 0; i < m * n; i++)
			fy[i] = dequant_out(y[i], alpha, sc[i / m]);
		CHECKF(memcmp(y, want, sizeof(int32_t) * m * n) == 0, "kind %d m=%d k=%d: int32 outputs differ",
		       kinds[ki], m, k);
		CHECKF(memcmp(fy, fwant, sizeof(float) * m * n) == 0, "kind %d m=%d k=%d: float outputs differ",
		       kinds[ki], m, k);
		free(scratch);
		free(w);
	}
	free(q);
	free(sc);
	free(want);
	free(y);
	free(fwant);
	free(fy);
}

TEST(all_kinds_bit_identical_on_extreme_activations)
{
	enum { M = 96, K = 384, CASES = 9 };
	static int8_t t[M * K];
	static float x[CASES * K];
	struct rng g;
	rng_seed(&g, 3);
	random_ternary(&g, t, sizeof t);
	for (int c = 0; c < K; c++) {
		x[0 * K + c] = 0.37f;                                   /* all equal */
		x[1 * K + c] = c == 100 ? 3e4f : rng_normal(&g);        /* one huge value */
		x[2 * K + c] = 0.0f;                                    /* all zero */
		x[3 * K + c] = c % 2 ? -1.0f : 1.0f;                    /* alternating ±127 */
		x[4 * K + c] = c % 3 ? 1e30f : -1e30f;                  /* ±1e30 */
		x[5 * K + c] = c % 4 ? rng_normal(&g) : -0.0f;          /* -0.0 */
		x[6 * K + c] = c == 7 ? NAN : c == 8 ? INFINITY : c == 9 ? -INFINITY : rng_normal(&g);
		x[7 * K + c] = rng_normal(&g) * 1e-7f;                  /* below the amax floor */
		x[8 * K + c] = rng_normal(&g);
	}
	check_kinds_identical(t, M, K, x, CASES);
}

TEST(all_kinds_bit_identical_on_2b4t_shapes)
{
	static const int32_t shapes[][2] = {{2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912}};
	struct rng g;
	rng_seed(&g, 4);
	for (size_t i = 0; i < COUNTOF(shapes) && !test_failed(); i++) {
		int32_t m = shapes[i][0], k = shapes[i][1];
		int8_t *t = xmalloc((size_t)m * k);
		float *x = xmalloc(sizeof(float) * k);
		random_ternary(&g, t, (size_t)m * k);
		for (int32_t c = 0; c < k; c++)
			x[c] = rng_normal(&g);
		check_kinds_identical(t, m, k, x, 1);
		free(t);
		free(x);
	}
}

TEST(quantize_act_hand_checked)
{
	/* amax = 127 → s = 1: the products are the inputs, so ties show round-half-to-even */
	const float x[] = {127.0f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, 1.5f, -0.5f, 2.4999f, -126.6f, -0.0f};
	const int8_t want[] = {127, 2, 4, -2, -4, 0, 2, 0, 2, -127, 0};
	int8_t q[COUNTOF(x)];
	float s = quantize_act(x, COUNTOF(x), q);
	CHECK(s == 1.0f);
	for (size_t i = 0; i < COUNTOF(x); i++)
		CHECKF(q[i] == want[i], "x=%g: q=%d, want %d", x[i], q[i], want[i]);

	/* amax = 2 → s = 63.5: 1 → 63.5 → 64 (even), -1 → -64, 0.5 → 31.75 → 32 */
	const float y[] = {2.0f, 1.0f, -1.0f, 0.5f, -2.0f};
	const int8_t ywant[] = {127, 64, -64, 32, -127};
	int8_t qy[COUNTOF(y)];
	CHECK(quantize_act(y, COUNTOF(y), qy) == 63.5f);
	for (size_t i = 0; i < COUNTOF(y); i++)
		CHECKF(qy[i] == ywant[i], "y=%g: q=%d, want %d", y[i], qy[i], ywant[i]);

	/* all zero: amax floors at 1e-5, q = 0 */
	const float z[4] = {0.0f, -0.0f, 0.0f, 0.0f};
	int8_t qz[4] = {1, 1, 1, 1};
	CHECK(quantize_act(z, 4, qz) == 127.0f / 1e-5f);
	for (int i = 0; i < 4; i++)
		CHECK_EQ_INT(qz[i], 0);

	/* tiny values use the floor: 1e-6 * 127/1e-5 = 12.7 → 13 */
	const float tiny[2] = {1e-6f, -4e-6f};
	int8_t qt[2];
	quantize_act(tiny, 2, qt);
	CHECK_EQ_INT(qt[0], 13);
	CHECK_EQ_INT(qt[1], -51); /* -50.8 */

	/* non-finite: NaN → 0, ±inf → ±127, and they do not enter amax */
	const float nf[] = {1.0f, NAN, INFINITY, -INFINITY, -0.5f};
	const int8_t nfwant[] = {127, 0, 127, -127, -64}; /* -63.5 → -64 (even) */
	int8_t qn[COUNTOF(nf)];
	CHECK(quantize_act(nf, COUNTOF(nf), qn) == 127.0f);
	for (size_t i = 0; i < COUNTOF(nf); i++)
		CHECKF(qn[i] == nfwant[i], "nonfinite #%zu: q=%d, want %d", i, qn[i], nfwant[i]);
}

/* the SIMD forms give the bytes and scale of the plain form: random lengths (bodies and tails), ties,
 * NaN, infinities, -0, subnormals and huge values anywhere, and all-special tokens */
TEST(quantize_act_forms_identical)
{
	enum { KMAX = 6912 };
	static float x[KMAX];
	static int8_t q0[KMAX], q1[KMAX], q2[KMAX];
	int8_t *const q[3] = {q0, q1, q2};
	const float specials[] = {NAN, INFINITY, -INFINITY, -0.0f, 1e-40f, -3e38f, 0.5f, -2.5f, 127.0f, 1e-6f};
	struct rng g;
	rng_seed(&g, 31);
	int forms = 0;
	for (int trial = 0; trial < 400; trial++) {
		int64_t k = trial < 100 ? trial : trial < 390 ? 1 + (int64_t)rng_below(&g, 3000) : KMAX;
		int mode = trial % 4; /* 0 normal, 1 with specials, 2 integers (ties after scaling by 1), 3 only specials */
		for (int64_t i = 0; i < k; i++) {
			x[i] = mode == 2 ? (float)((int)rng_below(&g, 255) - 127) * (rng_below(&g, 2) ? 1.0f : 0.5f)
			                 : rng_normal(&g) * (float)(1 + rng_below(&g, 100));
			if ((mode == 1 && rng_below(&g, 10) == 0) || mode == 3)
				x[i] = specials[rng_below(&g, COUNTOF(specials))];
		}
		float sc[3];
		forms = quantize_act_forms(x, k, q, sc);
		for (int f = 1; f < forms; f++) {
			CHECKF(sc[f] == sc[0], "trial %d k=%lld form %d: scale %g, plain %g", trial, (long long)k, f, sc[f], sc[0]);
			CHECKF(memcmp(q[f], q[0], (size_t)k) == 0, "trial %d k=%lld form %d: bytes differ", trial, (long long)k, f);
		}
	}
	printf("# %d quantize_act forms on this CPU\n", forms);
}

/* spec_legal must refuse and name the offending value */
static void check_refused(struct kernel_spec s, const char *needle)
{
	struct error e = {{0}};
	int rc = spec_legal(&s, &e);
	CHECKF(rc == -1, "spec with %s was accepted", needle);
	CHECKF(strstr(e.msg, needle) != NULL, "message \"%s\" does not name %s", e.msg, needle);
}

TEST(spec_legal_refusals_name_the_value)
{
	struct error e;
	struct kernel_spec ok = make_spec(KIND_TL1, 64, 256, 1, 32, 256);
	CHECKF(spec_legal(&ok, &e) == 0, "%s", e.msg);
	ok = make_spec(KIND_TL2, 64, 256, 1, 32, 240);
	CHECKF(spec_legal(&ok, &e) == 0, "%s", e.msg);
	ok = make_spec(KIND_I2S, 5, 256, 1, 4, 128);
	CHECKF(spec_legal(&ok, &e) == 0, "%s", e.msg);

	check_refused(make_spec(KIND_TL1, 64, 512, 1, 32, 258), "bk=258");
	check_refused(make_spec(KIND_TL2, 64, 512, 1, 32, 243), "bk=243");
	check_refused(make_spec(KIND_TL2, 64, 512, 1, 32, 246), "bk=246");
	check_refused(make_spec(KIND_TL2, 64, 512, 1, 32, 100), "bk=100");
	check_refused(make_spec(KIND_I2S, 64, 100, 1, 32, 128), "k=100");
	check_refused(make_spec(KIND_TL1, 48, 256, 1, 32, 128), "m=48");
	check_refused(make_spec(KIND_TL1, 64, 255, 1, 32, 128), "k=255");
	check_refused(make_spec(KIND_TL2, 64, 1, 1, 32, 3), "k=1");
	check_refused(make_spec(KIND_TL1, 64, 256, 1, 48, 128), "bm=48");
	check_refused(make_spec(KIND_I2S, 64, 256, 0, 32, 128), "n=0");
	struct kernel_spec neon = make_spec(KIND_I2S, 64, 256, 1, 32, 128);
	neon.isa = ISA_NEON;
	check_refused(neon, "not implemented yet");
	/* amx: I2S only */
	struct kernel_spec amx = make_spec(KIND_I2S, 64, 256, 64, 32, 128);
	amx.isa = ISA_AMX;
	CHECKF(spec_legal(&amx, &e) == 0, "%s", e.msg);
	amx = make_spec(KIND_TL1, 64, 256, 64, 32, 128);
	amx.isa = ISA_AMX;
	check_refused(amx, "not implemented yet");
	amx = make_spec(KIND_TL2, 64, 255, 64, 32, 240);
	amx.isa = ISA_AMX;
	check_refused(amx, "not implemented yet");
	/* two violations, two messages */
	check_refused(make_spec(KIND_TL1, 48, 256, 1, 32, 258), "bk=258");
	check_refused(make_spec(KIND_TL1, 48, 256, 1, 32, 258), "m=48");
}

TEST(isa_availability_follows_cpu_flags)
{
	struct cpu_info none = {0}, avx2 = {.avx2 = 1}, vnni = {.avx2 = 1, .avxvnni = 1},
	                partial512 = {.avx2 = 1, .avx512f = 1, .avx512bw = 1, .avx512vnni = 1},
	                full512 = {.avx2 = 1, .avx512f = 1, .avx512bw = 1, .avx512vl = 1, .avx512vnni = 1};
	CHECK(isa_available(ISA_SCALAR, &none));
	CHECK(!isa_available(ISA_AVX2, &none));
	CHECK(isa_available(ISA_AVX2, &avx2));
	CHECK(!isa_available(ISA_AVXVNNI, &avx2));
	CHECK(isa_available(ISA_AVXVNNI, &vnni));
	CHECK(!isa_available(ISA_AVX512VNNI, &partial512)); /* no avx512vl */
	CHECK(isa_available(ISA_AVX512VNNI, &full512));
	CHECK_EQ_INT(isa_best(KIND_TL2, 1, &none), ISA_SCALAR);
	CHECK_EQ_INT(isa_best(KIND_I2S, 1, &avx2), ISA_AVX2);
	CHECK_EQ_INT(isa_best(KIND_I2S, 64, &vnni), ISA_AVXVNNI);
	CHECK_EQ_INT(isa_best(KIND_TL1, 1, &partial512), ISA_AVX2);
	CHECK_EQ_INT(isa_best(KIND_TL1, 1, &full512), ISA_AVX512VNNI);
	CHECK(isa_available(isa_best(KIND_I2S, 1, cpu_host()), cpu_host()));
	CHECK(isa_available(isa_best(KIND_I2S, 64, cpu_host()), cpu_host()));
	/* AMX: for I2S batches only; a GEMV and the TL kinds stay on the vector tiers */
	struct cpu_info amx = full512;
	amx.amx_int8 = 1;
	CHECK_EQ_INT(isa_best(KIND_I2S, 64, &amx), ISA_AMX);
	CHECK_EQ_INT(isa_best(KIND_I2S, 2, &amx), ISA_AMX);
	CHECK_EQ_INT(isa_best(KIND_I2S, 1, &amx), ISA_AVX512VNNI);
	CHECK_EQ_INT(isa_best(KIND_TL2, 64, &amx), ISA_AVX512VNNI);
}

TEST(isa_table_names_features_and_cpu_disable)
{
	/* every row's name parses back; the feature string (part of the tuning records' key) keeps its
	 * spelling and order */
	for (int i = 0; i < ISA_COUNT; i++) {
		enum isa back;
		CHECK(isa_parse(isa_name((enum isa)i), &back) == 0 && back == (enum isa)i);
	}
	for (int f = 0; f < CPUF_COUNT; f++) {
		enum cpu_feature back;
		CHECK(cpu_feature_parse(cpu_feature_name((enum cpu_feature)f), &back) == 0 && back == (enum cpu_feature)f);
	}
	struct cpu_info all = {.avx2 = 1, .fma = 1, .f16c = 1, .avx512f = 1, .avx512bw = 1, .avx512vl = 1,
	                       .avx512vnni = 1, .avxvnni = 1, .amx_int8 = 1, .neon = 1, .dotprod = 1};
	char buf[256];
	cpu_feature_string(&all, buf, sizeof buf);
	CHECKF(!strcmp(buf, "avx2 fma avx512f avx512bw avx512vnni avxvnni amx-int8 neon dotprod"), "%s", buf);
	CHECK(cpu_feature_mask(&all) == (1u << CPUF_COUNT) - 1);
	/* TRIT_CPU_DISABLE names: an ISA name turns off the feature its tier adds, a feature name itself */
	struct cpu_info c = all;
	struct error e;
	CHECK(cpu_disable_list(&c, "amx,avx512vnni", &e) == 0);
	CHECK(!c.amx_int8 && !c.avx512vnni && c.avx512f && c.avx512bw && c.avxvnni && c.avx2);
	c = all;
	CHECK(cpu_disable_list(&c, "amx-int8,avx512bw,avxvnni,avx2,dotprod", &e) == 0);
	CHECK(!c.amx_int8 && !c.avx512bw && !c.avxvnni && !c.avx2 && !c.dotprod && c.neon && c.avx512vnni);
	c = all;
	CHECK(cpu_disable_list(&c, "neon,bogus", &e) < 0 && strstr(e.msg, "bogus") && !c.neon);
}

TEST(spec_default_is_legal_for_every_model_shape)
{
	/* (m, k) of every BitLinear, fused and unfused: 2B4T, bitnet large, bitnet 3B, llama3-8B */
	static const int32_t shapes[][2] = {
		{2560, 2560}, {640, 2560}, {3840, 2560}, {6912, 2560}, {13824, 2560}, {2560, 6912},
		{1536, 1536}, {4608, 1536}, {4096, 1536}, {8192, 1536}, {1536, 4096},
		{3200, 3200}, {9600, 3200}, {8640, 3200}, {17280, 3200}, {3200, 8640},
		{4096, 4096}, {1024, 4096}, {6144, 4096}, {14336, 4096}, {28672, 4096}, {4096, 14336},
	};
	static const int32_t ns[] = {1, 8, 128, 512};
	struct cpu_info cpus[4] = {
		*cpu_host(),
		{0}, /* cache sizes unknown */
		{.l1d = 32 * 1024, .l2 = 256 * 1024, .physical_cores = 4},
		{.l1d = 48 * 1024, .l2 = 2 * 1024 * 1024, .physical_cores = 64},
	};
	for (size_t ci = 0; ci < COUNTOF(cpus); ci++)
		for (size_t si = 0; si < COUNTOF(shapes); si++)
			for (size_t ni = 0; ni < COUNTOF(ns); ni++)
				for (size_t ki = 0; ki < COUNTOF(kinds); ki++) {
					int32_t m = shapes[si][0], k = shapes[si][1];
					enum kernel_kind kind = kinds[ki];
					int supported = kind == KIND_I2S ? k % 128 == 0 : m % 32 == 0 && (kind == KIND_TL2 || k % 2 == 0);
					struct kernel_spec s;
					struct error e = {{0}};
					int rc = spec_default(&s, kind, ISA_AVX2, m, k, ns[ni], &cpus[ci], &e);
					if (supported) {
						CHECKF(rc == 0, "kind %d m=%d k=%d: %s", kind, m, k, e.msg);
						CHECKF(rc != 0 || spec_legal(&s, &e) == 0, "default spec illegal: %s", e.msg);
						CHECK(rc != 0 || (s.m == m && s.k == k && s.n == ns[ni] && s.isa == ISA_AVX2));
					} else {
						char needle[32];
						snprintf(needle, sizeof needle, "k=%d", k);
						CHECKF(rc == -1 && strstr(e.msg, needle), "kind %d m=%d k=%d: rc=%d msg=\"%s\"", kind,
						       m, k, rc, e.msg);
					}
				}
	/* 3B's ffn_down is the one shape I2S cannot take */
	struct kernel_spec s;
	struct error e;
	CHECK(spec_default(&s, KIND_I2S, ISA_SCALAR, 3200, 8640, 1, cpu_host(), &e) == -1);
}
