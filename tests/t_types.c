/* t_types.c: ggml type sizes, hand-computed byte layouts of the ternary encoders, exact ternary
 * round trips, and dense encoders decoded within each type's error bound. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/half.h"
#include "base/rng.h"
#include "kernel/kinds.h"
#include "format/ggml_types.h"
#include "tests/test.h"

static int contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

#define CHECK_ERR(msg, needle) CHECKF(contains((msg), (needle)), "error '%s' does not mention '%s'", (msg), (needle))

static uint64_t nbytes2(uint32_t type, int64_t ne0, int64_t ne1)
{
	int64_t ne[2] = {ne0, ne1};
	uint64_t n = 0;
	struct error e;
	CHECKF(ggml_tensor_nbytes(type, ne, 2, &n, &e) == 0, "%s", e.msg);
	return n;
}

TEST(type_names)
{
	CHECK(strcmp(ggml_type_name(GGML_TYPE_I2_S), "I2_S") == 0);
	CHECK(strcmp(ggml_type_name(GGML_TYPE_TQ2_0), "TQ2_0") == 0);
	CHECK(ggml_type_name(77) == NULL);
	CHECK_EQ_INT(ggml_type_from_name("i2_s"), 36);
	CHECK_EQ_INT(ggml_type_from_name("tq1_0"), 34);
	CHECK_EQ_INT(ggml_type_from_name("F16"), 1);
	CHECK_EQ_INT(ggml_type_from_name("bf16"), 30);
	CHECK_EQ_INT(ggml_type_from_name("q6_k"), 14);
	CHECK_EQ_INT(ggml_type_from_name("f8"), -1);
	CHECK(ggml_type_decodable(GGML_TYPE_Q5_K) && !ggml_type_decodable(GGML_TYPE_Q4_0) && !ggml_type_decodable(GGML_TYPE_TL2));
	CHECK(ggml_type_ternary(GGML_TYPE_TQ1_0) && ggml_type_ternary(GGML_TYPE_BF16) && !ggml_type_ternary(GGML_TYPE_Q8_0));
}

TEST(tensor_sizes)
{
	CHECK_EQ_INT(nbytes2(GGML_TYPE_I2_S, 2560, 2560), 2560 * 2560 / 4 + 32);
	CHECK_EQ_INT(nbytes2(GGML_TYPE_I2_S, 6912, 2560), 6912 * 2560 / 4 + 32);
	CHECK_EQ_INT(nbytes2(GGML_TYPE_TQ2_0, 2560, 640), 10 * 640 * 66);
	CHECK_EQ_INT(nbytes2(GGML_TYPE_TQ1_0, 6912, 2), 27 * 2 * 54);
	CHECK_EQ_INT(nbytes2(GGML_TYPE_F16, 2560, 128256), 2560ll * 128256 * 2);
	CHECK_EQ_INT(nbytes2(GGML_TYPE_Q8_0, 64, 3), 2 * 3 * 34);
	CHECK_EQ_INT(nbytes2(GGML_TYPE_Q4_K, 512, 1), 2 * 144);
	CHECK_EQ_INT(nbytes2(GGML_TYPE_Q5_K, 256, 1), 176);
	CHECK_EQ_INT(nbytes2(GGML_TYPE_Q6_K, 256, 2), 2 * 210);
	int64_t ne3[3] = {128, 2, 3};
	uint64_t n;
	struct error e;
	CHECK(ggml_tensor_nbytes(GGML_TYPE_I2_S, ne3, 3, &n, &e) == 0 && n == 128 * 6 / 4 + 32);

	int64_t bad[2] = {8640, 4};
	CHECK(ggml_tensor_nbytes(GGML_TYPE_I2_S, bad, 2, &n, &e) == -1);
	CHECK_ERR(e.msg, "8640");
	CHECK_ERR(e.msg, "ne0");
	int64_t bad2[2] = {3200, 4};
	CHECK(ggml_tensor_nbytes(GGML_TYPE_TQ2_0, bad2, 2, &n, &e) == -1);
	CHECK_ERR(e.msg, "3200");
	CHECK_ERR(e.msg, "TQ2_0");
	int64_t ok[2] = {256, 4};
	CHECK(ggml_tensor_nbytes(GGML_TYPE_TL2, ok, 2, &n, &e) == -1);
	CHECK_ERR(e.msg, "TL2 (39)");
	CHECK_ERR(e.msg, "i2_s");
	CHECK(ggml_tensor_nbytes(GGML_TYPE_TL1, ok, 2, &n, &e) == -1);
	CHECK_ERR(e.msg, "TL1 (38)");
	CHECK(ggml_tensor_nbytes(77, ok, 2, &n, &e) == -1);
	CHECK_ERR(e.msg, "77");
	int64_t huge[2] = {INT64_MAX / 2, 4};
	CHECK(ggml_tensor_nbytes(GGML_TYPE_F32, huge, 2, &n, &e) == -1);
	int64_t huge2[1] = {INT64_MAX - 63};
	CHECK(ggml_tensor_nbytes(GGML_TYPE_F32, huge2, 1, &n, &e) == -1);
}

/* all-zero trits with some set: the bytes the encoders produce (I2_S: 2-bit codes t+1 as in bitnet.cpp) */
TEST(i2s_bytes)
{
	int8_t t[256] = {0};
	t[0] = 1;     /* block 0, group 0, byte 0, bits 7:6 */
	t[33] = -1;   /* block 0, group 1, byte 1, bits 5:4 */
	t[127] = 1;   /* block 0, group 3, byte 31, bits 1:0 */
	t[128] = 1;   /* block 1, byte 32 */
	uint8_t out[256 / 4 + 32];
	memset(out, 0xee, sizeof(out));
	ternary_encode(GGML_TYPE_I2_S, t, 0.75f, 128, 2, out);
	CHECK_EQ_INT(out[0], 0x95); /* 10 01 01 01 */
	CHECK_EQ_INT(out[1], 0x45); /* 01 00 01 01 */
	CHECK_EQ_INT(out[2], 0x55);
	CHECK_EQ_INT(out[31], 0x56); /* 01 01 01 10 */
	CHECK_EQ_INT(out[32], 0x95);
	CHECK_EQ_INT(out[63], 0x55);
	float s;
	memcpy(&s, out + 64, 4);
	CHECK(s == 0.75f);
	for (int i = 68; i < 96; i++)
		CHECK_EQ_INT(out[i], 0);
	float row[128];
	ggml_decode_row(GGML_TYPE_I2_S, out, 128, 2, 1, row); /* row 1 = elements 128..255 */
	CHECK(row[0] == 0.75f && row[1] == 0 && row[127] == 0);
	ggml_decode_row(GGML_TYPE_I2_S, out, 128, 2, 0, row);
	CHECK(row[0] == 0.75f && row[33] == -0.75f && row[127] == 0.75f && row[2] == 0);
}

TEST(tq2_0_bytes)
{
	int8_t t[256] = {0};
	t[33] = 1;   /* byte 1, bits 2-3 */
	t[96] = -1;  /* byte 0, bits 6-7 */
	t[128] = -1; /* second half: byte 32, bits 0-1 */
	t[255] = 1;  /* byte 63, bits 6-7 */
	uint8_t out[66];
	ternary_encode(GGML_TYPE_TQ2_0, t, 0.5f, 256, 1, out);
	CHECK_EQ_INT(out[0], 0x15); /* 00 01 01 01 */
	CHECK_EQ_INT(out[1], 0x59); /* 01 01 10 01 */
	CHECK_EQ_INT(out[2], 0x55);
	CHECK_EQ_INT(out[32], 0x54);
	CHECK_EQ_INT(out[63], 0x95);
	CHECK_EQ_INT(out[64] | out[65] << 8, 0x3800); /* f16 0.5 */
	int8_t z[256] = {0};
	ternary_encode(GGML_TYPE_TQ2_0, z, 0.5f, 256, 1, out);
	CHECK_EQ_INT(out[64] | out[65] << 8, 0); /* all-zero block: d = absmax = 0, as llama.cpp */
}

TEST(tq1_0_bytes)
{
	int8_t t[256] = {0};
	uint8_t out[54];
	ternary_encode(GGML_TYPE_TQ1_0, t, 1.0f, 256, 1, out);
	/* five zero trits (codes 1): v = 121, ceil(121*256/243) = 128; four + shift: v = 120 -> 127 */
	for (int i = 0; i < 48; i++)
		CHECK_EQ_INT(out[i], 128);
	for (int i = 48; i < 52; i++)
		CHECK_EQ_INT(out[i], 127);
	t[0] = 1;     /* byte 0, first trit: v = 2*81+27+9+3+1 = 202 -> 213 */
	t[160] = -1;  /* byte 32, first trit: v = 0+27+9+3+1 = 40 -> 43 */
	t[240] = -1;  /* qh byte 0, first trit: v = (0+9+3+1)*3 = 39 -> 42 */
	t[255] = 1;   /* qh byte 3, last trit: v = (27+9+3+2)*3 = 123 -> 130 */
	t[63] = 1;    /* byte 31, second trit: v = 81+2*27+9+3+1 = 148 -> 156 */
	ternary_encode(GGML_TYPE_TQ1_0, t, 1.0f, 256, 1, out);
	CHECK_EQ_INT(out[0], 213);
	CHECK_EQ_INT(out[31], 156);
	CHECK_EQ_INT(out[32], 43);
	CHECK_EQ_INT(out[48], 42);
	CHECK_EQ_INT(out[51], 130);
	CHECK_EQ_INT(out[52] | out[53] << 8, 0x3c00);
	float row[256];
	ggml_decode_row(GGML_TYPE_TQ1_0, out, 256, 1, 0, row);
	for (int i = 0; i < 256; i++)
		CHECKF(row[i] == (float)t[i], "element %d decodes to %g, expected %d", i, row[i], t[i]);
}

static const uint32_t ternary_types[] = {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_TQ1_0, GGML_TYPE_TQ2_0,
					 GGML_TYPE_I2_S};

TEST(ternary_roundtrip_all_types)
{
	struct rng r;
	rng_seed(&r, 42);
	int64_t shapes[][2] = {{256, 3}, {512, 5}, {768, 1}};
	for (size_t ti = 0; ti < COUNTOF(ternary_types); ti++)
		for (size_t si = 0; si < COUNTOF(shapes); si++) {
			uint32_t type = ternary_types[ti];
			int64_t ne0 = shapes[si][0], ne1 = shapes[si][1], n = ne0 * ne1;
			int8_t *t = malloc((size_t)n), *back = malloc((size_t)n);
			for (int64_t i = 0; i < n; i++)
				t[i] = (int8_t)((int)rng_below(&r, 3) - 1);
			memset(t + n / 256 / 2 * 256, 0, 256); /* a whole block of zeros (TQ: d = 0) */
			uint64_t nb = nbytes2(type, ne0, ne1);
			uint8_t *buf = malloc(nb);
			float alpha = 0.0078125f * (float)(1 + si), got = -1;
			ternary_encode(type, t, alpha, ne0, ne1, buf);
			struct error e;
			CHECKF(ternary_decode(type, buf, nb, ne0, ne1, back, &got, &e) == 0, "%s: %s", ggml_type_name(type), e.msg);
			CHECKF(memcmp(t, back, (size_t)n) == 0, "%s %lldx%lld trits differ", ggml_type_name(type), (long long)ne0,
			       (long long)ne1);
			CHECKF(got == alpha, "%s: alpha %g, expected %g", ggml_type_name(type), got, alpha);
			/* the row decoder agrees */
			float *row = malloc((size_t)ne0 * sizeof(float));
			ggml_decode_row(type, buf, ne0, ne1, ne1 - 1, row);
			for (int64_t i = 0; i < ne0; i++)
				CHECKF(row[i] == alpha * t[(ne1 - 1) * ne0 + i], "%s row decode differs at %lld", ggml_type_name(type),
				       (long long)i);
			free(row);
			free(buf);
			free(t);
			free(back);
		}
}

TEST(ternary_decode_rejects)
{
	int8_t t[512] = {0}, back[512];
	for (int i = 0; i < 512; i++)
		t[i] = (int8_t)(i % 3 - 1);
	float alpha;
	struct error e;
	/* TQ blocks with different scales */
	uint8_t tq[2 * 66];
	ternary_encode(GGML_TYPE_TQ2_0, t, 0.5f, 512, 1, tq);
	tq[2 * 66 - 1] ^= 0x04; /* second block's d changes */
	CHECK(ternary_decode(GGML_TYPE_TQ2_0, tq, sizeof(tq), 512, 1, back, &alpha, &e) == -1);
	CHECK_ERR(e.msg, "not per-tensor ternary");
	CHECK_ERR(e.msg, "column 256");
	/* TQ2_0 code 3 */
	ternary_encode(GGML_TYPE_TQ2_0, t, 0.5f, 512, 1, tq);
	tq[5] |= 3;
	CHECK(ternary_decode(GGML_TYPE_TQ2_0, tq, sizeof(tq), 512, 1, back, &alpha, &e) == -1);
	CHECK_ERR(e.msg, "code 3");
	/* TQ1_0: different scales */
	uint8_t tq1[2 * 54];
	ternary_encode(GGML_TYPE_TQ1_0, t, 0.5f, 512, 1, tq1);
	tq1[53] ^= 0x01;
	CHECK(ternary_decode(GGML_TYPE_TQ1_0, tq1, sizeof(tq1), 512, 1, back, &alpha, &e) == -1);
	CHECK_ERR(e.msg, "not per-tensor ternary");
	/* I2_S code 3 */
	uint8_t i2[128 + 32];
	ternary_encode(GGML_TYPE_I2_S, t, 0.5f, 512, 1, i2);
	i2[70] = 0xff;
	CHECK(ternary_decode(GGML_TYPE_I2_S, i2, sizeof(i2), 512, 1, back, &alpha, &e) == -1);
	CHECK_ERR(e.msg, "code 3");
	/* float values outside {-a, 0, a} */
	float f[512];
	ternary_encode(GGML_TYPE_F32, t, 0.5f, 512, 1, f);
	f[300] = 0.25f;
	CHECK(ternary_decode(GGML_TYPE_F32, f, sizeof(f), 512, 1, back, &alpha, &e) == -1);
	CHECK_ERR(e.msg, "column 300");
	CHECK_ERR(e.msg, "ternary");
	uint16_t h[512];
	ternary_encode(GGML_TYPE_F16, t, 0.5f, 512, 1, h);
	h[7] = f32_to_f16(NAN);
	CHECK(ternary_decode(GGML_TYPE_F16, h, sizeof(h), 512, 1, back, &alpha, &e) == -1);
	CHECK_ERR(e.msg, "column 7");
	/* too few bytes, a non-ternary type */
	CHECK(ternary_decode(GGML_TYPE_F16, h, 100, 512, 1, back, &alpha, &e) == -1);
	CHECK_ERR(e.msg, "100 bytes");
	CHECK(ternary_decode(GGML_TYPE_Q8_0, h, sizeof(h), 512, 1, back, &alpha, &e) == -1);
	CHECK_ERR(e.msg, "Q8_0");
	/* all zeros: alpha 0, trits 0 */
	memset(t, 0, sizeof(t));
	ternary_encode(GGML_TYPE_TQ1_0, t, 0.5f, 512, 1, tq1);
	CHECK(ternary_decode(GGML_TYPE_TQ1_0, tq1, sizeof(tq1), 512, 1, back, &alpha, &e) == 0 && alpha == 0);
}

/* dense types: decode(encode(x)) within each type's bound; exact where the value is representable */
/* the load-time shortcut from the file's I2_S or TQ2_0 to the I2S kernel layout equals decode + i2s_pack,
 * for positive, negative and zero scales (TQ2_0: per block, zero blocks included), and declines code 3,
 * non-finite scales and TQ2_0 blocks with different |d| */
TEST(ternary_to_i2s_layout_matches_decode_and_pack)
{
	enum { M = 5, K = 512 };
	static int8_t t[M * K], back[M * K];
	static uint8_t file[M * K], direct[M * K / 4], packed[M * K / 4];
	struct rng r;
	rng_seed(&r, 77);
	for (int i = 0; i < M * K; i++)
		t[i] = (int8_t)((int)rng_below(&r, 3) - 1);
	memset(t + 3 * 256, 0, 256); /* an all-zero TQ2_0 block */
	const float scales[3] = {0.75f, -0.75f, 0.0f};
	const uint32_t types[2] = {GGML_TYPE_I2_S, GGML_TYPE_TQ2_0};
	struct error e;
	for (int ti = 0; ti < 2; ti++)
		for (int c = 0; c < 3; c++) {
			ternary_encode(types[ti], t, scales[c], K, M, file);
			float alpha = -1, want_alpha;
			CHECKF(ternary_to_i2s_layout(types[ti], file, K, M, direct, &alpha) == 0, "%s scale %g declined",
			       ggml_type_name(types[ti]), scales[c]);
			CHECK(ternary_decode(types[ti], file, sizeof(file), K, M, back, &want_alpha, &e) == 0);
			CHECKF(alpha == want_alpha, "%s scale %g: alpha %g, decoder %g", ggml_type_name(types[ti]), scales[c], alpha,
			       want_alpha);
			i2s_pack(back, M, K, packed);
			CHECKF(memcmp(direct, packed, sizeof(packed)) == 0, "%s scale %g: repacked bytes differ",
			       ggml_type_name(types[ti]), scales[c]);
		}
	float alpha;
	ternary_encode(GGML_TYPE_I2_S, t, 0.75f, K, M, file);
	file[100] = 0xc0; /* a code 3 */
	CHECK(ternary_to_i2s_layout(GGML_TYPE_I2_S, file, K, M, direct, &alpha) == -1);
	float inf = INFINITY;
	ternary_encode(GGML_TYPE_I2_S, t, 0.75f, K, M, file);
	memcpy(file + M * K / 4, &inf, 4);
	CHECK(ternary_to_i2s_layout(GGML_TYPE_I2_S, file, K, M, direct, &alpha) == -1);
	ternary_encode(GGML_TYPE_TQ2_0, t, 0.75f, K, M, file);
	file[66 + 65] ^= 0x04; /* the second block's d changes */
	CHECK(ternary_to_i2s_layout(GGML_TYPE_TQ2_0, file, K, M, direct, &alpha) == -1);
	CHECK(ternary_to_i2s_layout(GGML_TYPE_TQ1_0, file, K, M, direct, &alpha) == -1);
}

TEST(dense_exact_types)
{
	struct rng r;
	rng_seed(&r, 3);
	enum { K = 96, M = 4 };
	float x[K * M], h[K * M], bf[K * M], row[K];
	for (int i = 0; i < K * M; i++) {
		x[i] = rng_normal(&r) * 3;
		h[i] = f16_to_f32(f32_to_f16(x[i]));
		bf[i] = bf16_to_f32(f32_to_bf16(x[i]));
	}
	uint8_t buf[K * M * 4];
	dense_encode(GGML_TYPE_F32, x, K, M, buf);
	for (int rr = 0; rr < M; rr++) {
		ggml_decode_row(GGML_TYPE_F32, buf, K, M, rr, row);
		CHECK(memcmp(row, x + rr * K, sizeof(row)) == 0);
	}
	dense_encode(GGML_TYPE_F16, h, K, M, buf);
	for (int rr = 0; rr < M; rr++) {
		ggml_decode_row(GGML_TYPE_F16, buf, K, M, rr, row);
		CHECK(memcmp(row, h + rr * K, sizeof(row)) == 0);
	}
	dense_encode(GGML_TYPE_BF16, bf, K, M, buf);
	for (int rr = 0; rr < M; rr++) {
		ggml_decode_row(GGML_TYPE_BF16, buf, K, M, rr, row);
		CHECK(memcmp(row, bf + rr * K, sizeof(row)) == 0);
	}
	/* F16 of a non-representable value rounds to nearest */
	float third = 1.0f / 3;
	dense_encode(GGML_TYPE_F16, &third, 1, 1, buf);
	CHECK_EQ_INT(buf[0] | buf[1] << 8, 0x3555);
}

/* max |decode(encode(x)) - x| over each block, as a fraction of the block's max |x| */
static double max_rel_err(uint32_t type, const float *x, int64_t ne0, int64_t ne1, int block)
{
	uint64_t nb = nbytes2(type, ne0, ne1);
	uint8_t *buf = malloc(nb);
	float *row = malloc((size_t)ne0 * sizeof(float));
	dense_encode(type, x, ne0, ne1, buf);
	double worst = 0;
	for (int64_t r = 0; r < ne1; r++) {
		ggml_decode_row(type, buf, ne0, ne1, r, row);
		for (int64_t b = 0; b < ne0; b += block) {
			double amax = 0, err = 0;
			for (int64_t i = b; i < b + block; i++) {
				amax = fmax(amax, fabs(x[r * ne0 + i]));
				err = fmax(err, fabs(row[i] - x[r * ne0 + i]));
			}
			if (amax > 0)
				worst = fmax(worst, err / amax);
			else if (err > 0)
				worst = INFINITY;
		}
	}
	free(buf);
	free(row);
	return worst;
}

TEST(dense_quantized_types)
{
	struct rng r;
	rng_seed(&r, 11);
	enum { K = 512, M = 6 };
	float *x = malloc(K * M * sizeof(float));
	for (int i = 0; i < K * M; i++)
		x[i] = rng_normal(&r) * (1 + (i / 256) % 5); /* block scales vary */
	for (int i = 0; i < 32; i++)
		x[K + 256 + i] = 0;  /* an all-zero sub-block */
	for (int i = 0; i < 256; i++)
		x[3 * K + i] = 0;    /* an all-zero block */
	for (int i = 0; i < 256; i++)
		x[4 * K + i] = fabsf(x[4 * K + i]) + 1; /* all positive: min 1 */
	/* bounds, relative to the block's max |x|: Q8_0 half a step (d = amax/127) plus the f16
	 * rounding of d times 127 (2^-11 relative); K types about half a step of their code range
	 * (range <= 2 amax over qmax steps) plus the rounding of the 6/8-bit sub-block scales */
	double q8 = max_rel_err(GGML_TYPE_Q8_0, x, K, M, 32);
	CHECKF(q8 <= (0.5 + 127.0 / 2048) / 127, "Q8_0 error %g", q8);
	double q6 = max_rel_err(GGML_TYPE_Q6_K, x, K, M, 256);
	CHECKF(q6 <= 0.75 / 31, "Q6_K error %g", q6);
	double q5 = max_rel_err(GGML_TYPE_Q5_K, x, K, M, 256);
	CHECKF(q5 <= 1.5 / 31, "Q5_K error %g", q5);
	double q4 = max_rel_err(GGML_TYPE_Q4_K, x, K, M, 256);
	CHECKF(q4 <= 1.5 / 15, "Q4_K error %g", q4);
	printf("max relative errors: Q8_0 %.4f Q6_K %.4f Q5_K %.4f Q4_K %.4f\n", q8, q6, q5, q4);
	free(x);
}

/* decoders checked on blocks written directly from the format description */
TEST(kquant_decoders_from_bytes)
{
	uint8_t blk[210];
	float y[256];
	/* Q4_K: d = 1, dmin = 0.5, scales 1,2,3,4,17,33,49,63, mins 0,5,10,15,20,40,60,63 */
	uint8_t sc[8] = {1, 2, 3, 4, 17, 33, 49, 63}, mn[8] = {0, 5, 10, 15, 20, 40, 60, 63};
	memset(blk, 0, sizeof(blk));
	blk[0] = 0x00, blk[1] = 0x3c; /* f16 1.0 */
	blk[2] = 0x00, blk[3] = 0x38; /* f16 0.5 */
	for (int j = 0; j < 4; j++) {
		blk[4 + j] = (uint8_t)(sc[j] | (sc[j + 4] >> 4) << 6);
		blk[8 + j] = (uint8_t)(mn[j] | (mn[j + 4] >> 4) << 6);
		blk[12 + j] = (uint8_t)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
	}
	for (int l = 0; l < 128; l++)
		blk[16 + l] = (uint8_t)((l % 16) | ((l + 3) % 16) << 4);
	ggml_decode_row(GGML_TYPE_Q4_K, blk, 256, 1, 0, y);
	for (int i = 0; i < 256; i++) {
		int c = i / 64, l = i % 32, hi = (i % 64) >= 32;
		int q = hi ? (32 * c + l + 3) % 16 : (32 * c + l) % 16;
		float want = 1.0f * (float)sc[i / 32] * (float)q - 0.5f * (float)mn[i / 32];
		CHECKF(y[i] == want, "Q4_K element %d: %g, expected %g", i, y[i], want);
	}
	/* Q5_K: same scales, qh sets bit 4 of element 64c + l (bit 2c of qh[l]) when l is odd */
	uint8_t b5[176] = {0};
	memcpy(b5, blk, 16);
	for (int l = 0; l < 32; l++)
		b5[16 + l] = l % 2 ? 0x55 : 0xaa;
	memcpy(b5 + 48, blk + 16, 128);
	ggml_decode_row(GGML_TYPE_Q5_K, b5, 256, 1, 0, y);
	for (int i = 0; i < 256; i++) {
		int c = i / 64, l = i % 32, hi = (i % 64) >= 32;
		int q = (hi ? (32 * c + l + 3) % 16 : (32 * c + l) % 16) + ((l % 2) != hi ? 16 : 0);
		float want = 1.0f * (float)sc[i / 32] * (float)q - 0.5f * (float)mn[i / 32];
		CHECKF(y[i] == want, "Q5_K element %d: %g, expected %g", i, y[i], want);
	}
	/* Q6_K: d = 0.25, scale s = s - 8 for sub-block s; element 32g + l of half h: ql low/high
	 * nibble, qh bits 2g */
	memset(blk, 0, sizeof(blk));
	for (int i = 0; i < 128; i++)
		blk[i] = (uint8_t)(i * 7);
	for (int i = 0; i < 64; i++)
		blk[128 + i] = (uint8_t)(i * 13 + 5);
	for (int s = 0; s < 16; s++)
		blk[192 + s] = (uint8_t)(int8_t)(s - 8);
	blk[208] = 0x00, blk[209] = 0x34; /* f16 0.25 */
	ggml_decode_row(GGML_TYPE_Q6_K, blk, 256, 1, 0, y);
	for (int i = 0; i < 256; i++) {
		int h = i / 128, g = (i % 128) / 32, l = i % 32;
		uint8_t qlb = blk[64 * h + l + (g % 2) * 32], qhb = blk[128 + 32 * h + l];
		int q = (g < 2 ? qlb & 15 : qlb >> 4) | ((qhb >> (2 * g)) & 3) << 4;
		float want = 0.25f * (float)(i / 16 - 8) * (float)(q - 32);
		CHECKF(y[i] == want, "Q6_K element %d: %g, expected %g", i, y[i], want);
	}
	/* Q8_0 */
	uint8_t b8[34];
	b8[0] = 0x00, b8[1] = 0x40; /* f16 2.0 */
	for (int i = 0; i < 32; i++)
		b8[2 + i] = (uint8_t)(int8_t)(i - 16);
	ggml_decode_row(GGML_TYPE_Q8_0, b8, 32, 1, 0, y);
	for (int i = 0; i < 32; i++)
		CHECK(y[i] == 2.0f * (float)(i - 16));
}
