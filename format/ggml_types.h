/* ggml_types.h: tensor storage types found in GGUF files: sizes, decoders to float, and the
 * ternary codecs (decode to {-1,0,+1} + one scale per tensor; encode back). */
#ifndef TRIT_GGML_TYPES_H
#define TRIT_GGML_TYPES_H

#include <stdint.h>

#include "base/util.h"

enum ggml_type {
	GGML_TYPE_F32 = 0,
	GGML_TYPE_F16 = 1,
	GGML_TYPE_Q4_0 = 2,
	GGML_TYPE_Q4_1 = 3,
	GGML_TYPE_Q5_0 = 6,
	GGML_TYPE_Q5_1 = 7,
	GGML_TYPE_Q8_0 = 8,
	GGML_TYPE_Q8_1 = 9,
	GGML_TYPE_Q2_K = 10,
	GGML_TYPE_Q3_K = 11,
	GGML_TYPE_Q4_K = 12,
	GGML_TYPE_Q5_K = 13,
	GGML_TYPE_Q6_K = 14,
	GGML_TYPE_Q8_K = 15,
	GGML_TYPE_BF16 = 30,
	GGML_TYPE_TQ1_0 = 34,
	GGML_TYPE_TQ2_0 = 35,
	GGML_TYPE_I2_S = 36, /* bitnet.cpp; upstream llama.cpp retired this id */
	GGML_TYPE_TL1 = 38,  /* bitnet.cpp LUT layouts: refused */
	GGML_TYPE_TL2 = 39,  /* (upstream's MXFP4 uses 39 too) */
};

/* "F16", "TQ2_0", ...; NULL for ids trit does not know */
const char *ggml_type_name(uint32_t type);
/* parses a name case-insensitively ("f16", "i2_s", "tq2_0"); -1 when unknown */
int ggml_type_from_name(const char *name);
/* bytes of a tensor of this type and shape (I2_S: n/4 + 32); -1 with a message when the type
 * is unknown/refused (TL1/TL2 say how to convert) or ne[0] is not a multiple of the block */
int ggml_tensor_nbytes(uint32_t type, const int64_t *ne, uint32_t n_dims, uint64_t *out, struct error *e);
/* 1 when rows of this type can be decoded to float (F32 F16 BF16 Q8_0 Q4_K Q5_K Q6_K TQ1_0 TQ2_0 I2_S) */
int ggml_type_decodable(uint32_t type);
/* decodes row `row` (ne0 elements) of a 2-D tensor of this type to float */
void ggml_decode_row(uint32_t type, const void *tensor_data, int64_t ne0, int64_t ne1, int64_t row, float *out);
/* 1 when the type can hold ternary BitLinear weights (F32 F16 BF16 TQ1_0 TQ2_0 I2_S) */
int ggml_type_ternary(uint32_t type);
/* decodes a ternary M×K tensor (ne0 = K, ne1 = M) into t[M*K] in {-1,0,1} and its scale alpha.
 * Float types must hold values in {-a, 0, +a}; TQ blocks must share one scale. Errors name why. */
int ternary_decode(uint32_t type, const void *data, uint64_t nbytes, int64_t ne0, int64_t ne1,
                   int8_t *t, float *alpha, struct error *e);
/* repacks an I2_S or TQ2_0 tensor (ne0 % 128 == 0) straight into the I2S kernel layout (docs/kernels.md
 * §2; I2_S: the same 128-weight blocks with the 2-bit groups in the opposite order; TQ2_0: a block is two
 * I2S blocks as they are), the sign of the scale folded into the codes, and gives its alpha; -1 for other
 * types, a code 3, a non-finite or non-shared scale (ternary_decode then says what is wrong) */
int ternary_to_i2s_layout(uint32_t type, const void *data, int64_t ne0, int64_t ne1, uint8_t *out, float *alpha);
/* encodes t (ne1 rows of ne0) with scale alpha into out (ggml_tensor_nbytes bytes) */
void ternary_encode(uint32_t type, const int8_t *t, float alpha, int64_t ne0, int64_t ne1, void *out);
/* encodes float rows into a dense type (F32, F16, BF16, Q8_0, Q4_K, Q5_K, Q6_K) */
void dense_encode(uint32_t type, const float *x, int64_t ne0, int64_t ne1, void *out);

#endif
