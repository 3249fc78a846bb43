/* ggml_types.c: sizes of ggml tensor types, row decoders, and the ternary codecs for the six types
 * that can hold BitLinear weights (byte layouts as llama.cpp's ggml and bitnet.cpp write them). */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/half.h"
#include "format/ggml_types.h"
#include "format/kquants.h"

struct type_info {
	uint32_t id;
	const char *name;
	int block;        /* elements per block (I2_S: 1, sized specially) */
	int bytes;        /* bytes per block */
	int decodable, ternary;
};

static const struct type_info types[] = {
	{GGML_TYPE_F32, "F32", 1, 4, 1, 1},
	{GGML_TYPE_F16, "F16", 1, 2, 1, 1},
	{GGML_TYPE_Q4_0, "Q4_0", 32, 18, 0, 0},
	{GGML_TYPE_Q4_1, "Q4_1", 32, 20, 0, 0},
	{GGML_TYPE_Q5_0, "Q5_0", 32, 22, 0, 0},
	{GGML_TYPE_Q5_1, "Q5_1", 32, 24, 0, 0},
	{GGML_TYPE_Q8_0, "Q8_0", 32, 34, 1, 0},
	{GGML_TYPE_Q8_1, "Q8_1", 32, 36, 0, 0},
	{GGML_TYPE_Q2_K, "Q2_K", 256, 84, 0, 0},
	{GGML_TYPE_Q3_K, "Q3_K", 256, 110, 0, 0},
	{GGML_TYPE_Q4_K, "Q4_K", 256, Q4_K_BYTES, 1, 0},
	{GGML_TYPE_Q5_K, "Q5_K", 256, Q5_K_BYTES, 1, 0},
	{GGML_TYPE_Q6_K, "Q6_K", 256, Q6_K_BYTES, 1, 0},
	{GGML_TYPE_Q8_K, "Q8_K", 256, 292, 0, 0},
	{GGML_TYPE_BF16, "BF16", 1, 2, 1, 1},
	{GGML_TYPE_TQ1_0, "TQ1_0", 256, 54, 1, 1},
	{GGML_TYPE_TQ2_0, "TQ2_0", 256, 66, 1, 1},
	{GGML_TYPE_I2_S, "I2_S", 128, 32, 1, 1}, /* 128 elements per 32 bytes, plus a 32-byte tail */
	{GGML_TYPE_TL1, "TL1", 0, 0, 0, 0},
	{GGML_TYPE_TL2, "TL2", 0, 0, 0, 0},
};

#define I2S_BLOCK 128
#define TQ_BLOCK 256
#define TQ1_BYTES 54
#define TQ2_BYTES 66
#define Q8_0_BYTES 34

static const struct type_info *find_type(uint32_t id)
{
	for (size_t i = 0; i < COUNTOF(types); i++)
		if (types[i].id == id)
			return &types[i];
	return NULL;
}

const char *ggml_type_name(uint32_t type)
{
	const struct type_info *t = find_type(type);
	return t ? t->name : NULL;
}

int ggml_type_from_name(const char *name)
{
	for (size_t i = 0; i < COUNTOF(types); i++)
		if (strcasecmp(types[i].name, name) == 0)
			return (int)types[i].id;
	return -1;
}

int ggml_type_decodable(uint32_t type)
{
	const struct type_info *t = find_type(type);
	return t && t->decodable;
}

int ggml_type_ternary(uint32_t type)
{
	const struct type_info *t = find_type(type);
	return t && t->ternary;
}

int ggml_tensor_nbytes(uint32_t type, const int64_t *ne, uint32_t n_dims, uint64_t *out, struct error *e)
{
	const struct type_info *t = find_type(type);
	if (type == GGML_TYPE_TL1 || type == GGML_TYPE_TL2)
		return errorf(e, "has bitnet.cpp type %s (%u), a machine-specific layout trit cannot read%s; re-convert the model "
			      "to I2_S (bitnet.cpp: --quant-type i2_s) or TQ2_0",
			      t->name, type, type == GGML_TYPE_TL2 ? " (upstream ggml's MXFP4 shares id 39 and is not supported either)" : "");
	if (!t)
		return errorf(e, "has unknown ggml type id %u", type);
	if (n_dims < 1 || n_dims > 4)
		return errorf(e, "has %u dimensions, must be 1 to 4", n_dims);
	int64_t n = 1;
	for (uint32_t d = 0; d < n_dims; d++) {
		if (ne[d] <= 0)
			return errorf(e, "dimension %u is %lld, must be positive", d, (long long)ne[d]);
		if (ne[d] > INT64_MAX / n)
			return errorf(e, "element count overflows");
		n *= ne[d];
	}
	if (ne[0] % t->block)
		return errorf(e, "row length ne0 = %lld is not a multiple of %s's block size %d", (long long)ne[0], t->name,
			      t->block);
	uint64_t blocks = (uint64_t)n / (uint64_t)t->block;
	if (blocks > (UINT64_MAX - 32) / (uint64_t)t->bytes)
		return errorf(e, "byte size overflows");
	*out = blocks * (uint64_t)t->bytes + (type == GGML_TYPE_I2_S ? 32 : 0);
	return 0;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* TQ1_0: 5 trits per byte as a base-3 fixed-point fraction; trit k of byte b is the integer part of
 * (b * 3^k mod 256) * 3 / 256 */
static const uint8_t pow3[6] = {1, 3, 9, 27, 81, 243};

static int tq1_trit(uint8_t b, int k) { return ((uint8_t)(b * pow3[k]) * 3) >> 8; }

/* the 256 codes (0..2, value = code-1) of one TQ1_0 block */
static void tq1_codes(const uint8_t *blk, uint8_t *q)
{
	for (int n = 0; n < 5; n++)
		for (int m = 0; m < 32; m++)
			q[32 * n + m] = (uint8_t)tq1_trit(blk[m], n);
	for (int n = 0; n < 5; n++)
		for (int m = 0; m < 16; m++)
			q[160 + 16 * n + m] = (uint8_t)tq1_trit(blk[32 + m], n);
	for (int n = 0; n < 4; n++)
		for (int j = 0; j < 4; j++)
			q[240 + 4 * n + j] = (uint8_t)tq1_trit(blk[48 + j], n);
}

static uint8_t tq1_pack(const uint8_t *codes, int stride, int count)
{
	unsigned v = 0;
	for (int n = 0; n < count; n++)
		v = v * 3 + codes[n * stride];
	for (int n = count; n < 5; n++)
		v *= 3;
	return (uint8_t)((v * 256 + 242) / 243);
}

static void tq1_encode_block(const uint8_t *q, uint8_t *blk)
{
	for (int m = 0; m < 32; m++)
		blk[m] = tq1_pack(q + m, 32, 5);
	for (int m = 0; m < 16; m++)
		blk[32 + m] = tq1_pack(q + 160 + m, 16, 5);
	for (int j = 0; j < 4; j++)
		blk[48 + j] = tq1_pack(q + 240 + j, 4, 4);
}

/* TQ2_0: in each 32-byte half, element m + 32n sits in byte m, bits 2n..2n+1 */
static void tq2_codes(const uint8_t *blk, uint8_t *q)
{
	for (int h = 0; h < 2; h++)
		for (int n = 0; n < 4; n++)
			for (int m = 0; m < 32; m++)
				q[128 * h + 32 * n + m] = (blk[32 * h + m] >> (2 * n)) & 3;
}

static void tq2_encode_block(const uint8_t *q, uint8_t *blk)
{
	for (int h = 0; h < 2; h++)
		for (int m = 0; m < 32; m++) {
			uint8_t b = 0;
			for (int n = 0; n < 4; n++)
				b |= (uint8_t)(q[128 * h + 32 * n + m] << (2 * n));
			blk[32 * h + m] = b;
		}
}

/* I2_S: in each 32-byte block of 128 elements, element 32g + m sits in byte m, bits 7-2g..6-2g */
static int i2s_code(const uint8_t *packed, int64_t i)
{
	int64_t b = i / I2S_BLOCK, j = i % I2S_BLOCK;
	return (packed[b * 32 + j % 32] >> (6 - 2 * (j / 32))) & 3;
}

static float i2s_scale(const uint8_t *data, int64_t n)
{
	float s;
	memcpy(&s, data + n / 4, 4);
	return s;
}

static void decode_q8_0(const uint8_t *blk, int64_t n, float *y)
{
	for (int64_t b = 0; b < n / 32; b++, blk += Q8_0_BYTES) {
		float d = f16_to_f32(rd16(blk));
		for (int i = 0; i < 32; i++)
			y[b * 32 + i] = d * (float)(int8_t)blk[2 + i];
	}
}

static void decode_tq(uint32_t type, const uint8_t *blk, int64_t n, float *y)
{
	int bytes = type == GGML_TYPE_TQ1_0 ? TQ1_BYTES : TQ2_BYTES;
	uint8_t q[TQ_BLOCK];
	for (int64_t b = 0; b < n / TQ_BLOCK; b++, blk += bytes) {
		if (type == GGML_TYPE_TQ1_0)
			tq1_codes(blk, q);
		else
			tq2_codes(blk, q);
		float d = f16_to_f32(rd16(blk + bytes - 2));
		for (int i = 0; i < TQ_BLOCK; i++)
			y[b * TQ_BLOCK + i] = (float)(q[i] - 1) * d;
	}
}

void ggml_decode_row(uint32_t type, const void *tensor_data, int64_t ne0, int64_t ne1, int64_t row, float *out)
{
	const struct type_info *t = find_type(type);
	const uint8_t *base = tensor_data;
	if (!t || !t->decodable) {
		for (int64_t i = 0; i < ne0; i++)
			out[i] = NAN; /* callers check ggml_type_decodable first */
		return;
	}
	if (type == GGML_TYPE_I2_S) {
		float s = i2s_scale(base, ne0 * ne1);
		for (int64_t i = 0; i < ne0; i++)
			out[i] = (float)(i2s_code(base, row * ne0 + i) - 1) * s;
		return;
	}
	const uint8_t *p = base + (size_t)(row * (ne0 / t->block) * t->bytes);
	switch (type) {
	case GGML_TYPE_F32:
		memcpy(out, p, (size_t)ne0 * 4);
		break;
	case GGML_TYPE_F16:
		for (int64_t i = 0; i < ne0; i++)
			out[i] = f16_to_f32(rd16(p + 2 * i));
		break;
	case GGML_TYPE_BF16:
		for (int64_t i = 0; i < ne0; i++)
			out[i] = bf16_to_f32(rd16(p + 2 * i));
		break;
	case GGML_TYPE_Q8_0: decode_q8_0(p, ne0, out); break;
	case GGML_TYPE_Q4_K: q4_k_decode(p, ne0, out); break;
	case GGML_TYPE_Q5_K: q5_k_decode(p, ne0, out); break;
	case GGML_TYPE_Q6_K: q6_k_decode(p, ne0, out); break;
	case GGML_TYPE_TQ1_0:
	case GGML_TYPE_TQ2_0: decode_tq(type, p, ne0, out); break;
	default: assert(!"decodable type without a decoder");
	}
}

static float float_elem(uint32_t type, const uint8_t *data, int64_t i)
{
	float f;
	switch (type) {
	case GGML_TYPE_F32: memcpy(&f, data + 4 * i, 4); return f;
	case GGML_TYPE_F16: return f16_to_f32(rd16(data + 2 * i));
	default: return bf16_to_f32(rd16(data + 2 * i));
	}
}

/* float types: every value must be 0 or ±a for one a */
static int ternary_decode_float(uint32_t type, const uint8_t *data, int64_t ne0, int64_t ne1, int8_t *t, float *alpha,
				struct error *e)
{
	float a = 0;
	for (int64_t i = 0; i < ne0 * ne1; i++) {
		float v = float_elem(type, data, i);
		if (!isfinite(v))
			return errorf(e, "element (row %lld, column %lld) is %g: not a ternary tensor", (long long)(i / ne0),
				      (long long)(i % ne0), v);
		if (v == 0) {
			t[i] = 0;
			continue;
		}
		if (a == 0)
			a = fabsf(v);
		if (fabsf(v) != a)
			return errorf(e, "element (row %lld, column %lld) is %g but earlier elements are 0 or +-%g: not a ternary "
				      "{-a, 0, +a} tensor (quantize it to ternary first)",
				      (long long)(i / ne0), (long long)(i % ne0), v, a);
		t[i] = v > 0 ? 1 : -1;
	}
	*alpha = a;
	return 0;
}

/* TQ types: codes 0..2 and one shared |d| over the blocks holding any non-zero value */
static int ternary_decode_tq(uint32_t type, const uint8_t *data, int64_t ne0, int64_t ne1, int8_t *t, float *alpha,
			     struct error *e)
{
	int bytes = type == GGML_TYPE_TQ1_0 ? TQ1_BYTES : TQ2_BYTES;
	int64_t nblocks = ne0 * ne1 / TQ_BLOCK;
	float a = 0;
	uint8_t q[TQ_BLOCK];
	for (int64_t b = 0; b < nblocks; b++) {
		const uint8_t *blk = data + b * bytes;
		int64_t row = b * TQ_BLOCK / ne0, col = b * TQ_BLOCK % ne0;
		if (type == GGML_TYPE_TQ1_0)
			tq1_codes(blk, q);
		else
			tq2_codes(blk, q);
		float d = f16_to_f32(rd16(blk + bytes - 2));
		if (!isfinite(d))
			return errorf(e, "block at row %lld, column %lld has scale %g", (long long)row, (long long)col, d);
		int nonzero = 0;
		for (int i = 0; i < TQ_BLOCK; i++) {
			if (q[i] > 2)
				return errorf(e, "block at row %lld, column %lld holds code %d, which is not ternary", (long long)row,
					      (long long)(col + i), q[i]);
			nonzero |= q[i] != 1;
		}
		int8_t *tb = t + b * TQ_BLOCK;
		if (!nonzero || d == 0) {
			memset(tb, 0, TQ_BLOCK);
			continue;
		}
		if (a == 0)
			a = fabsf(d);
		else if (fabsf(d) != a)
			return errorf(e, "block at row %lld, column %lld has scale %g but earlier blocks have %g: the tensor is not "
				      "per-tensor ternary (BitNet weights need one scale per tensor)",
				      (long long)row, (long long)col, fabsf(d), a);
		int sign = d > 0 ? 1 : -1;
		for (int i = 0; i < TQ_BLOCK; i++)
			tb[i] = (int8_t)(sign * (q[i] - 1));
	}
	*alpha = a;
	return 0;
}

static int ternary_decode_i2s(const uint8_t *data, int64_t ne0, int64_t ne1, int8_t *t, float *alpha, struct error *e)
{
	int64_t n = ne0 * ne1;
	float s = i2s_scale(data, n);
	if (!isfinite(s))
		return errorf(e, "I2_S scale is %g", s);
	int8_t sign = s < 0 ? -1 : s == 0 ? 0 : 1;
	for (int64_t b = 0; b < n / I2S_BLOCK; b++) {
		const uint8_t *blk = data + b * 32;
		int8_t *tb = t + b * I2S_BLOCK;
		uint8_t bad = 0;
		for (int j = 0; j < 32; j++)
			bad |= blk[j] & (blk[j] >> 1) & 0x55; /* a 2-bit group holding 3 */
		if (bad) {
			for (int i = 0; i < I2S_BLOCK; i++)
				if (i2s_code(blk, i) == 3)
					return errorf(e, "element (row %lld, column %lld) holds I2_S code 3, which is not ternary",
					              (long long)((b * I2S_BLOCK + i) / ne0), (long long)((b * I2S_BLOCK + i) % ne0));
		}
		for (int g = 0; g < 4; g++)
			for (int j = 0; j < 32; j++)
				tb[32 * g + j] = (int8_t)(((blk[j] >> (6 - 2 * g)) & 3) - 1);
		if (sign < 0)
			for (int i = 0; i < I2S_BLOCK; i++)
				tb[i] = (int8_t)-tb[i];
	}
	if (sign == 0)
		memset(t, 0, (size_t)(n / I2S_BLOCK * I2S_BLOCK));
	for (int64_t i = n / I2S_BLOCK * I2S_BLOCK; i < n; i++) { /* a partial last block */
		int c = i2s_code(data, i);
		if (c == 3)
			return errorf(e, "element (row %lld, column %lld) holds I2_S code 3, which is not ternary",
			              (long long)(i / ne0), (long long)(i % ne0));
		t[i] = (int8_t)(sign * (c - 1));
	}
	*alpha = fabsf(s);
	return 0;
}

/* the byte map that negates 4 codes (c -> 2 - c) */
static void negated_codes(uint8_t neg[256])
{
	for (int v = 0; v < 256; v++) {
		unsigned o = 0;
		for (int g = 0; g < 4; g++)
			o |= ((unsigned)(2 - ((v >> (2 * g)) & 3)) & 3u) << (2 * g); /* code 3 (refused elsewhere): 3 */
		neg[v] = (uint8_t)o;
	}
}

/* TQ2_0 blocks of 256 are two I2S blocks of 128 (element 128h + 32n + m at byte 32h + m, bits 2n, code
 * t + 1); the sign of each block's d is folded into the codes */
static int tq2_to_kernel_layout(const uint8_t *data, int64_t ne0, int64_t ne1, uint8_t *out, float *alpha)
{
	uint8_t neg[256];
	negated_codes(neg);
	float a = 0;
	int64_t nblocks = ne0 * ne1 / TQ_BLOCK;
	for (int64_t b = 0; b < nblocks; b++) {
		const uint8_t *blk = data + b * TQ2_BYTES;
		uint8_t *o = out + b * (TQ_BLOCK / 4);
		float d = f16_to_f32(rd16(blk + TQ2_BYTES - 2));
		uint8_t bad = 0, nonzero = 0;
		for (int i = 0; i < TQ_BLOCK / 4; i++) {
			bad |= blk[i] & (blk[i] >> 1) & 0x55;
			nonzero |= blk[i] ^ 0x55;
		}
		if (bad || !isfinite(d))
			return -1;
		if (!nonzero || d == 0) {
			memset(o, 0x55, TQ_BLOCK / 4);
			continue;
		}
		if (a == 0)
			a = fabsf(d);
		else if (fabsf(d) != a)
			return -1;
		if (d > 0)
			memcpy(o, blk, TQ_BLOCK / 4);
		else
			for (int i = 0; i < TQ_BLOCK / 4; i++)
				o[i] = neg[blk[i]];
	}
	*alpha = a;
	return 0;
}

static int i2s_file_to_kernel_layout(const void *data, int64_t ne0, int64_t ne1, uint8_t *out, float *alpha)
{
	int64_t n = ne0 * ne1;
	float s = i2s_scale(data, n);
	if (!isfinite(s) || ne0 % I2S_BLOCK != 0)
		return -1;
	uint8_t map[256];
	for (int v = 0; v < 256; v++) {
		int o = 0;
		for (int g = 0; g < 4; g++) {
			int c = (v >> (6 - 2 * g)) & 3;
			o |= ((unsigned)(s > 0 ? c : s < 0 ? 2 - c : 1) & 3u) << (2 * g); /* code 3 is refused below */
		}
		map[v] = (uint8_t)o;
	}
	const uint8_t *in = data;
	uint8_t bad = 0;
	for (int64_t i = 0; i < n / 4; i++) {
		bad |= in[i] & (in[i] >> 1);
		out[i] = map[in[i]];
	}
	if (bad & 0x55)
		return -1;
	*alpha = fabsf(s);
	return 0;
}

int ternary_to_i2s_layout(uint32_t type, const void *data, int64_t ne0, int64_t ne1, uint8_t *out, float *alpha)
{
	if (ne0 % I2S_BLOCK != 0)
		return -1;
	if (type == GGML_TYPE_I2_S)
		return i2s_file_to_kernel_layout(data, ne0, ne1, out, alpha);
	if (type == GGML_TYPE_TQ2_0)
		return tq2_to_kernel_layout(data, ne0, ne1, out, alpha);
	return -1;
}

int ternary_decode(uint32_t type, const void *data, uint64_t nbytes, int64_t ne0, int64_t ne1, int8_t *t, float *alpha,
		   struct error *e)
{
	if (!ggml_type_ternary(type))
		return errorf(e, "type %s (%u) cannot hold ternary weights (use F32, F16, BF16, TQ1_0, TQ2_0 or I2_S)",
			      ggml_type_name(type) ? ggml_type_name(type) : "unknown", type);
	int64_t ne[2] = {ne0, ne1};
	uint64_t want;
	if (ggml_tensor_nbytes(type, ne, 2, &want, e) < 0)
		return -1;
	if (nbytes < want)
		return errorf(e, "%llu bytes hold less than the %llu a %s tensor of %lld x %lld needs", (unsigned long long)nbytes,
			      (unsigned long long)want, ggml_type_name(type), (long long)ne0, (long long)ne1);
	switch (type) {
	case GGML_TYPE_TQ1_0:
	case GGML_TYPE_TQ2_0: return ternary_decode_tq(type, data, ne0, ne1, t, alpha, e);
	case GGML_TYPE_I2_S: return ternary_decode_i2s(data, ne0, ne1, t, alpha, e);
	default: return ternary_decode_float(type, data, ne0, ne1, t, alpha, e);
	}
}

void ternary_encode(uint32_t type, const int8_t *t, float alpha, int64_t ne0, int64_t ne1, void *out)
{
	int64_t n = ne0 * ne1;
	uint8_t *o = out;
	switch (type) {
	case GGML_TYPE_I2_S:
		memset(o, 0, (size_t)(n / 4 + 32));
		for (int64_t i = 0; i < n; i++) {
			int64_t b = i / I2S_BLOCK, j = i % I2S_BLOCK;
			o[b * 32 + j % 32] |= (uint8_t)((t[i] + 1) << (6 - 2 * (j / 32)));
		}
		memcpy(o + n / 4, &alpha, 4);
		break;
	case GGML_TYPE_TQ1_0:
	case GGML_TYPE_TQ2_0: {
		/* like llama.cpp's quantizer on {-a, 0, a} input: d = block absmax, so 0 for all-zero blocks */
		int bytes = type == GGML_TYPE_TQ1_0 ? TQ1_BYTES : TQ2_BYTES;
		uint8_t q[TQ_BLOCK];
		for (int64_t b = 0; b < n / TQ_BLOCK; b++) {
			uint8_t *blk = o + b * bytes;
			int nonzero = 0;
			for (int i = 0; i < TQ_BLOCK; i++) {
				q[i] = (uint8_t)(t[b * TQ_BLOCK + i] + 1);
				nonzero |= q[i] != 1;
			}
			if (type == GGML_TYPE_TQ1_0)
				tq1_encode_block(q, blk);
			else
				tq2_encode_block(q, blk);
			wr16(blk + bytes - 2, nonzero ? f32_to_f16(alpha) : 0);
		}
		break;
	}
	case GGML_TYPE_F32:
		for (int64_t i = 0; i < n; i++) {
			float v = (float)t[i] * alpha;
			memcpy(o + 4 * i, &v, 4);
		}
		break;
	case GGML_TYPE_F16:
		for (int64_t i = 0; i < n; i++)
			wr16(o + 2 * i, f32_to_f16((float)t[i] * alpha));
		break;
	case GGML_TYPE_BF16:
		for (int64_t i = 0; i < n; i++)
			wr16(o + 2 * i, f32_to_bf16((float)t[i] * alpha));
		break;
	default: assert(!"ternary_encode of a non-ternary type");
	}
}

/* Q8_0 as llama.cpp's reference quantizer does it: d = absmax/127, q = round(x/d) */
static void encode_q8_0(const float *x, int64_t n, uint8_t *o)
{
	for (int64_t b = 0; b < n / 32; b++, o += Q8_0_BYTES, x += 32) {
		float amax = 0;
		for (int i = 0; i < 32; i++)
			amax = fmaxf(amax, fabsf(x[i]));
		float d = amax / 127, id = d != 0 ? 1 / d : 0;
		wr16(o, f32_to_f16(d));
		for (int i = 0; i < 32; i++)
			o[2 + i] = (uint8_t)(int8_t)roundf(x[i] * id);
	}
}

void dense_encode(uint32_t type, const float *x, int64_t ne0, int64_t ne1, void *out)
{
	int64_t n = ne0 * ne1;
	uint8_t *o = out;
	switch (type) {
	case GGML_TYPE_F32: memcpy(o, x, (size_t)n * 4); break;
	case GGML_TYPE_F16:
		for (int64_t i = 0; i < n; i++)
			wr16(o + 2 * i, f32_to_f16(x[i]));
		break;
	case GGML_TYPE_BF16:
		for (int64_t i = 0; i < n; i++)
			wr16(o + 2 * i, f32_to_bf16(x[i]));
		break;
	case GGML_TYPE_Q8_0: encode_q8_0(x, n, o); break;
	case GGML_TYPE_Q4_K: q4_k_encode(x, n, o); break;
	case GGML_TYPE_Q5_K: q5_k_encode(x, n, o); break;
	case GGML_TYPE_Q6_K: q6_k_encode(x, n, o); break;
	default: assert(!"dense_encode of a type it cannot encode");
	}
}
