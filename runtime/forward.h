/* forward.h: the transformer forward pass over a loaded model: RMSNorm, per-token int8
 * activation quantization feeding the BitLinear kernels, RoPE, GQA attention over a KV cache,
 * the gated FFN, and the lm_head in the file's precision. A prompt goes through the GEMM kernels
 * tile by tile; all buffers are allocated once, none per token. */
#ifndef TRIT_FORWARD_H
#define TRIT_FORWARD_H

#include <stdint.h>

#include "runtime/model.h"
#include "base/threadpool.h"

/* a batch of tokens, each appended to its sequence's KV cache at that sequence's next position */
struct forward_batch {
	int n;
	const int32_t *tokens; /* [n] */
	const int32_t *seq;    /* [n] sequence of each token, 0 <= seq < n_seq; NULL = all sequence 0 */
	const int32_t *pos;    /* [n] the position each token must land at (checked), or NULL */
	const int8_t *logits;  /* [n] 1 = return this token's logits; NULL = only the last token's */
};

struct forward {
	struct model *m;
	struct threadpool *tp;
	int nth;
	int n_ctx;   /* positions per sequence */
	int n_seq;   /* sequences, each with its own KV cache */
	int kv_f32;  /* 1: F32 KV cache; 0: F16 */
	int n_past;  /* tokens in sequence 0's KV cache (kept equal to seq_len[0]) */
	int32_t *seq_len; /* [n_seq] tokens in each sequence's KV cache */
	int32_t *seq_next; /* [n_seq] forward_decode's scratch: each sequence's next position */
	int32_t *tok_seq, *tok_pos; /* [tile] the sequence and position of each token of the chunk */
	int8_t *tok_want;           /* [tile] 1 = the token's logits are wanted */
	void *kc, *vc; /* [n_seq][n_layer][n_ctx][kv_dim] */
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
/* the same for n_seq sequences of n_ctx positions each */
int forward_init_seqs(struct forward *f, struct model *m, int n_ctx, int n_seq, int n_threads, int kv_f32,
                      struct error *e);
/* stops the threads and frees everything */
void forward_free(struct forward *f);
/* forgets the KV cache contents of every sequence */
void forward_reset(struct forward *f);
/* keeps the first n_keep positions of sequence seq (-1: every sequence) and forgets the rest */
void forward_truncate(struct forward *f, int seq, int n_keep);
/* forward_decode's failure when a sequence is full (other failures are -1) */
#define FORWARD_FULL (-2)

/* runs a batch (through the GEMM kernels, tile tokens at a time), appending each token to its sequence.
 * Writes the logits of the tokens b->logits selects, [count][n_vocab] in batch order (logits may be
 * NULL to skip the lm_head). Before any work: -1 with a message on a token id out of range, a bad
 * sequence or position; FORWARD_FULL with a message when a sequence would overflow. */
int forward_decode(struct forward *f, const struct forward_batch *b, float *logits, struct error *e);
/* runs n tokens of sequence 0 at positions n_past.. (batched through the GEMM kernels), appending them to the
 * KV cache. Writes logits [n][n_vocab] of every position when all = 1, else [n_vocab] of the last
 * one (logits may be NULL to skip the lm_head). -1 with a message when a token id is out of range
 * or the context would overflow. */
int forward_tokens(struct forward *f, const int32_t *tokens, int n, float *logits, int all, struct error *e);

#endif
