/* kinds.h: the per-kind pieces behind kernel/kernel.h's dispatch (kernel/pack.c): packers, unpackers,
 * LUT builders and scalar reference kernels of I2S, TL1 and TL2. docs/kernels.md is the
 * byte-level contract these implement. */
#ifndef TRIT_KINDS_H
#define TRIT_KINDS_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"

/* rows per TL row group: the two nibbles of a byte hold rows j and j+16 */
#define TL_ROW_GROUP 32
/* int16 bounds that make TL tiles exact: TL1 bk <= 256, TL2 bk <= 240 */
#define TL1_MAX_BK 256
#define TL2_MAX_BK 240
/* I2S block: 128 weights in 32 bytes */
#define I2S_BLOCK 128

/* packed bytes of an m×k I2S matrix */
size_t i2s_pack_size(int32_t m, int32_t k);
/* packs t (m×k) into the I2S layout */
void i2s_pack(const int8_t *t, int32_t m, int32_t k, uint8_t *out);
/* unpacks the I2S layout back to t (m×k) */
void i2s_unpack(const uint8_t *p, int32_t m, int32_t k, int8_t *t);
/* the I2S reference kernel: sum code*q - sum q per row, int32 */
void i2s_ref(const struct kernel_spec *s, const struct kernel_args *a);

/* packed bytes of an m×k TL1 matrix */
size_t tl1_pack_size(int32_t m, int32_t k);
/* packs t (m×k) into the TL1 layout */
void tl1_pack(const int8_t *t, int32_t m, int32_t k, uint8_t *out);
/* unpacks the TL1 layout back to t (m×k) */
void tl1_unpack(const uint8_t *p, int32_t m, int32_t k, int8_t *t);
/* the 4-bit index of a weight pair */
static inline int tl1_index(int t0, int t1) { return 3 * (t0 + 1) + (t1 + 1); }
/* writes one pair's 32-byte LUT (low bytes of 16 int16 entries, then high bytes) */
void tl1_pair_lut(int q0, int q1, uint8_t *lut32);
/* bytes of one token's TL1 LUT (16 per column) */
size_t tl1_lut_bytes(int32_t k);
/* builds one token's TL1 LUT from its k int8 activations */
void tl1_build_lut(const int8_t *q, int32_t k, uint8_t *lut);
/* packs the TL1 layout of columns [c0, c0+2*pairs) of t (row stride ldt) at out */
void tl1_pack_cols(const int8_t *t, int64_t ldt, int32_t m, int32_t c0, int32_t pairs, uint8_t *out);
/* unpacks such a block back into columns [c0, c0+2*pairs) of t */
void tl1_unpack_cols(const uint8_t *p, int32_t m, int32_t c0, int32_t pairs, int8_t *t, int64_t ldt);
/* int16 sum over pairs [p0, p1) of one row, read from a TL1 block and a token's pair LUTs */
int16_t tl1_row_tile(const uint8_t *block, int32_t npairs, int32_t row, int32_t p0, int32_t p1,
                     const uint8_t *lut);
/* the TL1 reference kernel: int16 LUT sums per bk tile, flushed to int32 */
void tl1_ref(const struct kernel_spec *s, const struct kernel_args *a);

/* TL2's split of k: nt triples (3*nt columns) then tp pairs (tail of 0, 2 or 4 columns);
 * -1 when k cannot be split (k == 1) */
int tl2_split(int32_t k, int32_t *nt, int32_t *tp);
/* packed bytes of an m×k TL2 matrix */
size_t tl2_pack_size(int32_t m, int32_t k);
/* packs t (m×k) into the TL2 layout */
void tl2_pack(const int8_t *t, int32_t m, int32_t k, uint8_t *out);
/* unpacks the TL2 layout back to t (m×k) */
void tl2_unpack(const uint8_t *p, int32_t m, int32_t k, int8_t *t);
/* bytes of one token's TL2 LUT (32 per triple, 32 per tail pair) */
size_t tl2_lut_bytes(int32_t k);
/* builds one token's TL2 LUT from its k int8 activations */
void tl2_build_lut(const int8_t *q, int32_t k, uint8_t *lut);
/* the TL2 reference kernel: int16 LUT sums (sign applied in int16) per bk tile, flushed to int32 */
void tl2_ref(const struct kernel_spec *s, const struct kernel_args *a);

/* the per-token stride of a TL kind's LUTs in scratch: lut bytes rounded up to 64 */
static inline size_t lut_stride(size_t lut_bytes) { return (lut_bytes + 63) & ~(size_t)63; }
/* reads int16 entry i of a 32-byte LUT (low bytes at [0..15], high bytes at [16..31]) */
static inline int16_t lut_entry(const uint8_t *lut32, int i)
{
	return (int16_t)(uint16_t)(lut32[i] | (unsigned)lut32[16 + i] << 8);
}

/* k chunks of 64 per slice of the AMX I2S kernel: a 32-row slice of codes stays in L1 */
#define I2S_AMX_SLICE 8
/* the scratch layout of the AMX I2S kernel (docs/kernels.md §9), byte offsets from scratch, with
 * T = n rounded up to 32: tile config; per token −Σq in all 16 lanes (T × 64 B); C of every
 * 32-token block between K slices (T/32 × 4 KiB); the codes of a 32-row × 512-k slice in VNNI
 * order (chunks of 2 × 1 KiB plus a pad line); the activations as A tiles, [16-token block][k/64]
 * [16 tokens][64 bytes], pad tokens zero (T × K) */
struct i2s_amx_layout {
	size_t cfg, nsq, cacc, wb, xa, total;
};
static inline struct i2s_amx_layout i2s_amx_layout(int32_t k, int32_t n)
{
	struct i2s_amx_layout l;
	size_t tokens = ((size_t)(n < 1 ? 1 : n) + 31) / 32 * 32;
	l.cfg = 0;
	l.nsq = 64;
	l.cacc = l.nsq + tokens * 64;
	l.wb = l.cacc + tokens / 32 * 4096;
	l.xa = l.wb + I2S_AMX_SLICE * (2 * 1024 + 64);
	l.total = l.xa + tokens * (size_t)k;
	return l;
}

#endif
