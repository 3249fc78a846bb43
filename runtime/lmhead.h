/* lmhead.h: the output layer as int8 (`--lm-head q8`): every row of the file's output matrix quantized
 * once at load to int8 with its own scale, applied to int8-quantized hidden states with exact int32 dot
 * products (AVX-512 VNNI, AVX-VNNI, AVX2 or plain C, whichever the CPU has: all give the same sums), then
 * one float multiply per logit. Half the bytes per token of an F16 head. */
#ifndef TRIT_LMHEAD_H
#define TRIT_LMHEAD_H

#include <stdint.h>

#include "base/util.h"
#include "format/gguf.h"

struct lmhead_q8 {
	int64_t rows, cols; /* n_vocab × n_embd */
	int8_t *w;          /* rows × cols, row r at w + r*cols */
	float *inv_scale;   /* per row: w_float ≈ q * inv_scale */
	int32_t *row_sum;   /* per row: Σ q, for the unsigned-offset VNNI dot */
};

/* quantizes the rows×cols matrix t (any decodable type) row by row (quantize_act: round half even,
 * absmax scale); -1 with a message when memory runs out */
int lmhead_q8_build(struct lmhead_q8 *h, const struct gguf_tensor *t, int64_t rows, int64_t cols, struct error *e);
/* frees the rows */
void lmhead_q8_free(struct lmhead_q8 *h);
/* logits[t*ld + r] = dot(row r, token t) * inv_scale[r] / xs[t] for rows [lo, hi) and tokens t < n of
 * the int8 hidden states xq (token t at xq + t*cols, quantized by quantize_act with scale xs[t]) */
void lmhead_q8_rows(const struct lmhead_q8 *h, const int8_t *xq, const float *xs, int n, int64_t lo, int64_t hi,
                    float *logits, int64_t ld);
/* the dot product of one int8 row with one int8 token in every form this CPU can run (plain C first,
 * then AVX2, AVX-VNNI, AVX-512 VNNI as available) into out[0..4); returns how many (for tests) */
int lmhead_q8_dot_forms(const int8_t *w, const int8_t *x, int64_t n, int32_t out[4]);

#endif
