/* forward.h: the transformer forward pass over a loaded model: RMSNorm, per-token int8
 * activation quantization feeding the BitLinear kernels, RoPE, GQA attention over a KV cache,
 * the gated FFN, and the lm_head in the file's precision. A prompt goes through the GEMM kernels
 * tile by tile; all buffers are allocated once, none per token. */
#ifndef TRIT_FORWARD_H
#define TRIT_FORWARD_H

#include <stdint.h>

#include "runtime/model.h"
#include "base/threadpool.h"

struct forward {
	struct model *m;
	struct threadpool *tp;
	int nth;
	int n_ctx;
	int kv_f32;  /* 1: F32 KV cache; 0: F16 */
	int n_past;  /* tokens already in the KV cache */
	void *kc, *vc; /* [n_layer][n_ctx][kv_dim] */
	float *x;    /* [tile][n_embd] residual stream */
	float *qkv;  /* [tile][n_embd + 2 kv_dim] */
	float *att;  /* [tile][n_embd] attention output, then the final normed state */
	float *gu;   /* [tile][2 n_ff] gate then up */
	int8_t *xq;  /* [tile][max k] quantized activations */
	float *xs;   /* [tile] their scales */
	int32_t *acc; /* [tile][max m] kernel outputs */
	float *rowbuf; /* [nth][max(n_embd, n_ff)] */
	float *scores; /* [nth][KV_GROUP_MAX query heads][n_ctx] */
	float *rope_cs; /* [tile][head_dim] cos/sin per token */
	double *inv_freq; /* [head_dim/2] RoPE frequencies */
	uint8_t **scratch; /* [nth] kernel scratch */
	/* timing counters (seconds, tokens) */
	double t_prompt, t_gen;
	long n_prompt, n_gen;
};

/* allocates the KV cache (n_ctx tokens; 0 = the model's context) and buffers and starts
 * n_threads threads (0 = physical cores) */
int forward_init(struct forward *f, struct model *m, int n_ctx, int n_threads, int kv_f32, struct error *e);
/* stops the threads and frees everything */
void forward_free(struct forward *f);
/* forgets the KV cache contents (n_past = 0) */
void forward_reset(struct forward *f);
/* runs n tokens at positions n_past.. (batched through the GEMM kernels), appending them to the
 * KV cache. Writes logits [n][n_vocab] of every position when all = 1, else [n_vocab] of the last
 * one (logits may be NULL to skip the lm_head). -1 with a message when a token id is out of range
 * or the context would overflow. */
int forward_tokens(struct forward *f, const int32_t *tokens, int n, float *logits, int all, struct error *e);

#endif
