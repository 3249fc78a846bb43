/* model.h: a loaded model: the mapped GGUF file, its description, the norm weights as float,
 * and every BitLinear decoded to ternary and repacked into the layout of the kernels chosen for
 * this machine (q/k/v and gate/up fused into one matrix each where the kernels allow). */
#ifndef TRIT_MODEL_H
#define TRIT_MODEL_H

#include <stdint.h>

#include "ir/ir.h"
#include "format/gguf.h"
#include "runtime/kernels.h"
#include "runtime/lmhead.h"

#define BITLINEAR_MAX_PARTS 3

/* one ternary matrix y = W x, possibly several GGUF tensors stacked by rows (fused) */
struct bitlinear {
	int32_t m, k;
	int nparts;
	int32_t part_rows[BITLINEAR_MAX_PARTS];
	float alpha[BITLINEAR_MAX_PARTS]; /* per-tensor scale of each part (times a .scale tensor) */
	float *bias;                      /* m floats, or NULL */
	struct kernel_handle gemv, gemm;
	uint8_t *w_gemv, *w_gemm; /* packed weights; w_gemm == w_gemv when the layouts coincide */
};

struct layer {
	float *attn_norm, *attn_sub_norm, *ffn_norm, *ffn_sub_norm; /* sub-norms NULL for llama */
	int n_qkv;                 /* 1 when q/k/v are fused, else 3 */
	struct bitlinear qkv[3];
	struct bitlinear o;
	int n_gate_up;             /* 1 when gate/up are fused, else 2 */
	struct bitlinear gate_up[2];
	struct bitlinear down;
};

struct model_options {
	enum kernel_choice kernel; /* --kernel */
	int tile;                  /* tokens per GEMM call in prefill (e.g. 64) */
	int quiet;                 /* no notes in the log (kernels compiled) */
	int lm_head_q8;            /* --lm-head q8: the output layer as int8 rows (else the file's type) */
	int no_fuse;               /* keep q/k/v and gate/up as separate matrices */
	const struct kernel_env *env; /* CPU, JIT, tuning records (NULL: AOT or reference kernels, no tuning) */
	/* called after each layer is packed, (layers done, layers); NULL = none */
	void (*progress)(void *user, int done, int total);
	void *progress_user;
};

struct model {
	struct gguf g;
	int g_open;
	struct model_desc d;
	int head_dim, kv_dim;
	int rope_neox;  /* 1: rotate-half pairs (i, i+hd/2) (bitnet archs); 0: adjacent pairs (llama) */
	int relu2;      /* 1: squared-ReLU gate; 0: SiLU */
	float *rope_freqs; /* head_dim/2 frequency divisors from rope_freqs.weight, or NULL */
	float *output_norm;
	const struct gguf_tensor *tok_embd, *output; /* output == tok_embd when tied */
	struct lmhead_q8 head_q8;                    /* head_q8.w != NULL: logits from these int8 rows */
	struct layer *layers;
	int tile;
	int no_fuse;
	struct kernel_provider kp;
	size_t scratch_max; /* largest kernel scratch of any handle */
	int32_t max_m, max_k;
	double load_seconds;
};

/* default options: auto kernel choice, tile 64 */
void model_options_default(struct model_options *o);
/* maps path, reads its description, checks every tensor's name, type and shape, and packs the
 * ternary weights; errors name the file and tensor */
int model_load(struct model *m, const char *path, const struct model_options *o, struct error *e);
/* frees everything and unmaps the file */
void model_free(struct model *m);
/* a one-line description of the kernels used for the model's first layer (for logs) */
void model_describe_kernels(const struct model *m, char *buf, size_t len);

#endif
