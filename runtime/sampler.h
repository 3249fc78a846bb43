/* sampler.h: next-token sampling with llama.cpp's chain and defaults: repetition penalty over the
 * last tokens -> top-k -> top-p -> min-p -> temperature -> a seeded random draw (temperature <= 0:
 * greedy argmax after the penalty). */
#ifndef TRIT_SAMPLER_H
#define TRIT_SAMPLER_H

#include <stdint.h>

#include "base/rng.h"

struct sampler_params {
	float temp;           /* 0.8; <= 0 = greedy */
	int top_k;            /* 40; <= 0 = whole vocabulary */
	float top_p;          /* 0.95; >= 1 = off */
	float min_p;          /* 0.05; <= 0 = off */
	float repeat_penalty; /* 1.0 = off */
	int repeat_last_n;    /* 64; 0 = off */
	int64_t seed;         /* -1 = random */
};

struct sampler_cand {
	int32_t id;
	float logit;
	float p;
};

struct sampler {
	struct sampler_params par;
	uint64_t seed; /* the seed in use (chosen at random when par.seed < 0) */
	struct rng rng;
	int n_vocab;
	struct sampler_cand *cand; /* n_vocab entries */
	int n_cand;
	int32_t *hist; /* ring of the last repeat_last_n tokens */
	int hist_len, hist_pos;
};

/* llama.cpp's defaults */
void sampler_params_default(struct sampler_params *p);
/* a sampler for a vocabulary of n_vocab tokens */
struct sampler *sampler_new(const struct sampler_params *p, int n_vocab);
/* frees it */
void sampler_free(struct sampler *s);
/* records a token (prompt or generated) in the penalty window */
void sampler_accept(struct sampler *s, int32_t tok);
/* forgets the penalty window */
void sampler_reset(struct sampler *s);
/* picks the next token from logits[n_vocab] (logits are not modified) */
int32_t sampler_sample(struct sampler *s, const float *logits);
/* the steps of the chain, exposed for tests; each works on s->cand[0..n_cand) */
void sampler_load(struct sampler *s, const float *logits);
void sampler_penalize(struct sampler *s);
void sampler_top_k(struct sampler *s, int k);
void sampler_top_p(struct sampler *s, float p);
void sampler_min_p(struct sampler *s, float p);

#endif
