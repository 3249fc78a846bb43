/* t_avx2_ref.c: the hand-written AVX2 I2S kernels (tune/avx2_ref.c) equal ref_kernel exactly:
 * several shapes, n = 1, 3, 8, row sub-ranges, strides, extreme activations (the int16 flush
 * bound), and nothing outside the requested rows is written. */
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "tune/avx2_ref.h"
#include "kernel/kernel.h"
#include "tests/test.h"

static struct kernel_spec i2s_spec(int32_t m, int32_t k, int32_t n)
{
	struct kernel_spec s = {.kind = KIND_I2S, .isa = ISA_SCALAR, .m = m, .k = k, .n = n, .bm = 1,
	                        .bk = 128, .rb = 1, .unroll = 1, .prefetch = 0, .threads = 1};
	return s;
}

/* runs ref_kernel and avx2_i2s_kernel on the same inputs; returns the number of differing outputs
 * (a canary value outside [row0, row1) counts as a difference) */
static int compare(int32_t m, int32_t k, int32_t n, int32_t row0, int32_t row1, int64_t ldx, int64_t ldy,
                   int extreme, uint64_t seed)
{
	struct rng g;
	rng_seed(&g, seed);
	struct kernel_spec s = i2s_spec(m, k, n);
	int8_t *t = xmalloc((size_t)m * (size_t)k);
	int8_t *x = xmalloc((size_t)n * (size_t)ldx);
	uint8_t *w = xmalloc(pack_size(&s));
	int32_t *y0 = xmalloc((size_t)n * (size_t)ldy * sizeof *y0);
	int32_t *y1 = xmalloc((size_t)n * (size_t)ldy * sizeof *y1);
	for (size_t i = 0; i < (size_t)m * (size_t)k; i++)
		t[i] = extreme ? 1 : (int8_t)((int)rng_below(&g, 3) - 1); /* extreme: every code is 2 */
	for (size_t i = 0; i < (size_t)n * (size_t)ldx; i++)
		x[i] = extreme ? (int8_t)(127 * extreme) : (int8_t)((int)rng_below(&g, 255) - 127);
	pack_weights(&s, t, w);
	for (size_t i = 0; i < (size_t)n * (size_t)ldy; i++)
		y0[i] = y1[i] = 0x5a5a5a5a;
	struct kernel_args a = {w, x, y0, ldx, ldy, n, row0, row1, NULL};
	ref_kernel(&s, &a);
	a.y = y1;
	avx2_i2s_kernel(&s, &a);
	int diff = 0;
	for (size_t i = 0; i < (size_t)n * (size_t)ldy; i++)
		diff += y0[i] != y1[i];
	free(t);
	free(x);
	free(w);
	free(y0);
	free(y1);
	return diff;
}

TEST(avx2_ref_equals_reference_on_shapes)
{
	if (!avx2_ref_available()) {
		test_skip("no AVX2 on this CPU");
		return;
	}
	static const int32_t shapes[][2] = {{1, 128}, {5, 256}, {37, 384}, {64, 2560}, {33, 6912}};
	static const int32_t ns[] = {1, 3, 8};
	for (size_t i = 0; i < COUNTOF(shapes); i++)
		for (size_t j = 0; j < COUNTOF(ns); j++) {
			int32_t m = shapes[i][0], k = shapes[i][1], n = ns[j];
			int d = compare(m, k, n, 0, m, k, m, 0, 1000 + i * 10 + j);
			CHECKF(d == 0, "m=%d k=%d n=%d: %d outputs differ", m, k, n, d);
		}
}

TEST(avx2_ref_row_ranges_and_strides)
{
	if (!avx2_ref_available())
		return;
	int32_t m = 45, k = 512;
	for (int32_t n = 1; n <= 8; n += 7) {
		CHECK_EQ_INT(compare(m, k, n, 7, 30, k + 64, m + 5, 0, 7 + n), 0);
		CHECK_EQ_INT(compare(m, k, n, 44, 45, k + 3, m + 1, 0, 9 + n), 0);
		CHECK_EQ_INT(compare(m, k, n, 10, 10, k, m, 0, 11 + n), 0);
	}
}

TEST(avx2_ref_int16_bound_extremes)
{
	if (!avx2_ref_available())
		return;
	/* every product at its largest magnitude, over more than one flush interval of 16 blocks */
	for (int sign = -1; sign <= 1; sign += 2)
		for (int32_t n = 1; n <= 3; n += 2) {
			CHECK_EQ_INT(compare(8, 128 * 40, n, 0, 8, 128 * 40, 8, sign, 3), 0);
			CHECK_EQ_INT(compare(3, 128 * 16, n, 0, 3, 128 * 16, 3, sign, 4), 0);
		}
}

TEST(avx2_ref_direct_entry_points)
{
	if (!avx2_ref_available())
		return;
	struct rng g;
	rng_seed(&g, 77);
	int32_t m = 9, k = 256;
	struct kernel_spec s = i2s_spec(m, k, 3);
	int8_t t[9 * 256], x[3 * 256];
	for (size_t i = 0; i < sizeof t; i++)
		t[i] = (int8_t)((int)rng_below(&g, 3) - 1);
	for (size_t i = 0; i < sizeof x; i++)
		x[i] = (int8_t)((int)rng_below(&g, 255) - 127);
	uint8_t w[9 * 64];
	pack_weights(&s, t, w);
	int32_t want[3 * 9], got[3 * 9];
	ref_dense(t, m, k, x, k, 3, want, m);
	memset(got, 0, sizeof got);
	avx2_i2s_gemv(w, k, x + k, got + m, 0, m);
	for (int r = 0; r < m; r++)
		CHECK_EQ_INT(got[m + r], want[m + r]);
	memset(got, 0, sizeof got);
	avx2_i2s_gemm(w, k, x, k, 3, got, m, 0, m);
	for (int i = 0; i < 3 * m; i++)
		CHECK_EQ_INT(got[i], want[i]);
}
