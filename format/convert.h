/* convert.h: re-encodes a GGUF model's ternary BitLinear tensors to another ternary storage type
 * (and optionally its embeddings to another dense type), keeping every key and other tensor as is.
 * Tensors are decoded and encoded one at a time while the output is written, so memory stays near
 * one tensor whatever the model's size. */
#ifndef TRIT_CONVERT_H
#define TRIT_CONVERT_H

#include <stdint.h>

#include "base/util.h"

struct convert_opts {
	int has_type;       /* re-encode ternary tensors to type (else they are copied) */
	uint32_t type;      /* I2_S, TQ2_0, TQ1_0, F16, BF16 or F32 */
	int has_embd_type;  /* re-encode token_embd.weight and output.weight to embd_type */
	uint32_t embd_type; /* F32, F16, BF16, Q8_0, Q4_K, Q5_K or Q6_K */
};

struct convert_stats {
	int n_tensors, n_ternary, n_embd, n_copied; /* all, re-encoded ternary, re-encoded dense, copied */
	uint64_t bytes_in, bytes_out;               /* file sizes */
	int n_scale_rounded;    /* ternary scales the target type could not hold exactly */
	double max_scale_change; /* the largest relative change among them */
};

/* 1 when name is one of the 7 BitLinear projections, blk.N.{attn_q,attn_k,attn_v,attn_output,
 * ffn_gate,ffn_up,ffn_down}.weight */
int convert_is_bitlinear(const char *name);
/* converts in to out (written through a temp file: nothing is left on failure); errors name the
 * file and tensor */
int convert_model(const char *in, const char *out, const struct convert_opts *o, struct convert_stats *st,
                  struct error *e);

#endif
