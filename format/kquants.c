/* kquants.c: Q4_K, Q5_K and Q6_K blocks of 256 elements.
 *
 * Q4_K (144 bytes): f16 d, f16 dmin, 12 bytes holding eight 6-bit scales and eight 6-bit mins (one
 * pair per 32 elements), 128 bytes of 4-bit codes: byte 32c + l holds element 64c + l in its low
 * nibble and element 64c + 32 + l in its high nibble. x = d*scale*q - dmin*min.
 * Q5_K (176 bytes): as Q4_K with 32 bytes qh between the scales and the codes: bit 2c of qh[l] is the
 * fifth bit of element 64c + l, bit 2c+1 that of element 64c + 32 + l.
 * Q6_K (210 bytes): ql[128], qh[64], int8 scales[16] (one per 16 elements), f16 d. In each half h
 * (128 elements), element 32g + l takes its low nibble from ql[64h + l + 32(g&1)] (low nibble for
 * g < 2, high for g >= 2) and its top two bits from qh[32h + l] bits 2g..2g+1. x = d*scale*(q-32).
 *
 * Scale/min packing in Q4_K/Q5_K: for sub-block j < 4, byte j bits 0-5 = scale, byte j+4 bits 0-5 =
 * min; for j >= 4, byte j+4 holds the low 4 bits of scale (low nibble) and min (high nibble), and
 * the top 2 bits of scale/min sit in bits 6-7 of byte j-4 / byte j. */
#include <math.h>
#include <string.h>

#include "base/half.h"
#include "format/kquants.h"

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void unpack_scales(const uint8_t *s, uint8_t *sc, uint8_t *mn)
{
	for (int j = 0; j < 4; j++) {
		sc[j] = s[j] & 63;
		mn[j] = s[j + 4] & 63;
	}
	for (int j = 4; j < 8; j++) {
		sc[j] = (uint8_t)((s[j + 4] & 15) | (s[j - 4] >> 6) << 4);
		mn[j] = (uint8_t)((s[j + 4] >> 4) | (s[j] >> 6) << 4);
	}
}

static void pack_scales(const uint8_t *sc, const uint8_t *mn, uint8_t *s)
{
	for (int j = 0; j < 4; j++) {
		s[j] = (uint8_t)(sc[j] | (sc[j + 4] >> 4) << 6);
		s[j + 4] = (uint8_t)(mn[j] | (mn[j + 4] >> 4) << 6);
		s[j + 8] = (uint8_t)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
	}
}

/* the 256 codes of a Q4_K (qh == NULL) or Q5_K block */
static void k_codes(const uint8_t *qs, const uint8_t *qh, uint8_t *q)
{
	for (int c = 0; c < 4; c++)
		for (int l = 0; l < 32; l++) {
			uint8_t b = qs[32 * c + l];
			q[64 * c + l] = b & 15;
			q[64 * c + 32 + l] = b >> 4;
			if (qh) {
				q[64 * c + l] |= (uint8_t)(((qh[l] >> (2 * c)) & 1) << 4);
				q[64 * c + 32 + l] |= (uint8_t)(((qh[l] >> (2 * c + 1)) & 1) << 4);
			}
		}
}

static void k_pack(const uint8_t *q, uint8_t *qs, uint8_t *qh)
{
	if (qh)
		memset(qh, 0, 32);
	for (int c = 0; c < 4; c++)
		for (int l = 0; l < 32; l++) {
			uint8_t lo = q[64 * c + l], hi = q[64 * c + 32 + l];
			qs[32 * c + l] = (uint8_t)((lo & 15) | (hi & 15) << 4);
			if (qh)
				qh[l] |= (uint8_t)((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
		}
}

static void k_decode(const uint8_t *blk, int64_t n, float *y, int five_bit)
{
	int bytes = five_bit ? Q5_K_BYTES : Q4_K_BYTES;
	uint8_t sc[8], mn[8], q[QK_K];
	for (int64_t b = 0; b < n / QK_K; b++, blk += bytes, y += QK_K) {
		float d = f16_to_f32(rd16(blk)), dmin = f16_to_f32(rd16(blk + 2));
		unpack_scales(blk + 4, sc, mn);
		k_codes(blk + 16 + (five_bit ? 32 : 0), five_bit ? blk + 16 : NULL, q);
		for (int i = 0; i < QK_K; i++)
			y[i] = d * (float)sc[i / 32] * (float)q[i] - dmin * (float)mn[i / 32];
	}
}

void q4_k_decode(const uint8_t *blocks, int64_t n, float *y) { k_decode(blocks, n, y, 0); }
void q5_k_decode(const uint8_t *blocks, int64_t n, float *y) { k_decode(blocks, n, y, 1); }

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* round-to-nearest: each 32-element sub-block maps [min(x,0), max(x)] onto 0..qmax */
static void k_encode(const float *x, int64_t n, uint8_t *blk, int five_bit)
{
	int bytes = five_bit ? Q5_K_BYTES : Q4_K_BYTES, qmax = five_bit ? 31 : 15;
	for (int64_t b = 0; b < n / QK_K; b++, blk += bytes, x += QK_K) {
		float scale[8], min[8], max_scale = 0, max_min = 0;
		for (int j = 0; j < 8; j++) {
			float lo = 0, hi = 0;
			for (int i = 0; i < 32; i++) {
				lo = fminf(lo, x[32 * j + i]);
				hi = fmaxf(hi, x[32 * j + i]);
			}
			scale[j] = (hi - lo) / (float)qmax;
			min[j] = -lo;
			max_scale = fmaxf(max_scale, scale[j]);
			max_min = fmaxf(max_min, min[j]);
		}
		wr16(blk, f32_to_f16(max_scale / 63));
		wr16(blk + 2, f32_to_f16(max_min / 63));
		float d = f16_to_f32(rd16(blk)), dmin = f16_to_f32(rd16(blk + 2));
		uint8_t sc[8], mn[8], q[QK_K];
		for (int j = 0; j < 8; j++) {
			sc[j] = (uint8_t)(d > 0 ? clampi((int)lroundf(scale[j] / d), 0, 63) : 0);
			mn[j] = (uint8_t)(dmin > 0 ? clampi((int)lroundf(min[j] / dmin), 0, 63) : 0);
			float ds = d * (float)sc[j], dm = dmin * (float)mn[j];
			for (int i = 0; i < 32; i++)
				q[32 * j + i] = (uint8_t)(ds > 0 ? clampi((int)lroundf((x[32 * j + i] + dm) / ds), 0, qmax) : 0);
		}
		pack_scales(sc, mn, blk + 4);
		k_pack(q, blk + 16 + (five_bit ? 32 : 0), five_bit ? blk + 16 : NULL);
	}
}

void q4_k_encode(const float *x, int64_t n, uint8_t *blocks) { k_encode(x, n, blocks, 0); }
void q5_k_encode(const float *x, int64_t n, uint8_t *blocks) { k_encode(x, n, blocks, 1); }

/* byte and shift of element i (0..255) of a Q6_K block: ql index, ql shift, qh index, qh shift */
static void q6_pos(int i, int *lb, int *ls, int *hb, int *hs)
{
	int h = i / 128, g = (i % 128) / 32, l = i % 32;
	*lb = 64 * h + l + 32 * (g & 1);
	*ls = g >= 2 ? 4 : 0;
	*hb = 32 * h + l;
	*hs = 2 * g;
}

void q6_k_decode(const uint8_t *blk, int64_t n, float *y)
{
	for (int64_t b = 0; b < n / QK_K; b++, blk += Q6_K_BYTES, y += QK_K) {
		const uint8_t *ql = blk, *qh = blk + 128;
		const int8_t *sc = (const int8_t *)(blk + 192);
		float d = f16_to_f32(rd16(blk + 208));
		for (int i = 0; i < QK_K; i++) {
			int lb, ls, hb, hs;
			q6_pos(i, &lb, &ls, &hb, &hs);
			int q = ((ql[lb] >> ls) & 15) | ((qh[hb] >> hs) & 3) << 4;
			y[i] = d * (float)sc[i / 16] * (float)(q - 32);
		}
	}
}

/* round-to-nearest: each 16-element sub-block maps [-absmax, absmax] onto -31..31 */
void q6_k_encode(const float *x, int64_t n, uint8_t *blk)
{
	for (int64_t b = 0; b < n / QK_K; b++, blk += Q6_K_BYTES, x += QK_K) {
		float scale[16], max_scale = 0;
		for (int s = 0; s < 16; s++) {
			float amax = 0;
			for (int i = 0; i < 16; i++)
				amax = fmaxf(amax, fabsf(x[16 * s + i]));
			scale[s] = amax / 31;
			max_scale = fmaxf(max_scale, scale[s]);
		}
		wr16(blk + 208, f32_to_f16(max_scale / 127));
		float d = f16_to_f32(rd16(blk + 208));
		memset(blk, 0, 192);
		for (int s = 0; s < 16; s++) {
			int sc = d > 0 ? clampi((int)lroundf(scale[s] / d), 0, 127) : 0;
			blk[192 + s] = (uint8_t)sc;
			float ds = d * (float)sc;
			for (int i = 16 * s; i < 16 * s + 16; i++) {
				int q = ds > 0 ? clampi((int)lroundf(x[i] / ds), -32, 31) : 0;
				int lb, ls, hb, hs;
				q6_pos(i, &lb, &ls, &hb, &hs);
				blk[lb] |= (uint8_t)(((q + 32) & 15) << ls);
				blk[128 + hb] |= (uint8_t)(((q + 32) >> 4) << hs);
			}
		}
	}
}
