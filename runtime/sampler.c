#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "runtime/sampler.h"

void sampler_params_default(struct sampler_params *p)
{
	p->temp = 0.8f;
	p->top_k = 40;
	p->top_p = 0.95f;
	p->min_p = 0.05f;
	p->repeat_penalty = 1.0f;
	p->repeat_last_n = 64;
	p->seed = -1;
}

static uint64_t random_seed(void)
{
	uint32_t v = 0;
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f || fread(&v, sizeof(v), 1, f) != 1)
		v = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	if (f)
		fclose(f);
	return v;
}

struct sampler *sampler_new(const struct sampler_params *p, int n_vocab)
{
	struct sampler *s = xcalloc(1, sizeof(*s));
	s->par = *p;
	s->seed = p->seed < 0 ? random_seed() : (uint64_t)p->seed;
	rng_seed(&s->rng, s->seed);
	s->n_vocab = n_vocab;
	s->cand = xcalloc((size_t)n_vocab, sizeof(*s->cand));
	if (s->par.repeat_last_n < 0)
		s->par.repeat_last_n = 0;
	s->hist = xcalloc((size_t)MAX(s->par.repeat_last_n, 1), sizeof(int32_t));
	return s;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	free(s->cand);
	free(s->hist);
	free(s);
}

void sampler_accept(struct sampler *s, int32_t tok)
{
	int cap = s->par.repeat_last_n;
	if (cap <= 0)
		return;
	s->hist[s->hist_pos] = tok;
	s->hist_pos = (s->hist_pos + 1) % cap;
	if (s->hist_len < cap)
		s->hist_len++;
}

void sampler_reset(struct sampler *s) { s->hist_len = s->hist_pos = 0; }

void sampler_load(struct sampler *s, const float *logits)
{
	for (int i = 0; i < s->n_vocab; i++)
		s->cand[i] = (struct sampler_cand){i, logits[i], 0};
	s->n_cand = s->n_vocab;
}

/* valid only while cand is still indexed by id (before any truncation) */
void sampler_penalize(struct sampler *s)
{
	float pen = s->par.repeat_penalty;
	if (pen == 1.0f || s->hist_len == 0)
		return;
	for (int i = 0; i < s->hist_len; i++) {
		int32_t id = s->hist[i];
		int dup = 0;
		for (int j = 0; j < i && !dup; j++)
			dup = s->hist[j] == id;
		if (dup || id < 0 || id >= s->n_vocab)
			continue;
		float *l = &s->cand[id].logit;
		*l = *l > 0 ? *l / pen : *l * pen;
	}
}

static int cmp_desc(const void *a, const void *b)
{
	const struct sampler_cand *x = a, *y = b;
	if (x->logit != y->logit)
		return x->logit < y->logit ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* 1 when a ranks below b (lower logit, ties: higher id) */
static int below(const struct sampler_cand *a, const struct sampler_cand *b)
{
	return a->logit < b->logit || (a->logit == b->logit && a->id > b->id);
}

static void sift_down(struct sampler_cand *h, int n, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && below(&h[l], &h[m]))
			m = l;
		if (r < n && below(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		struct sampler_cand t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* keeps the k best candidates, sorted by logit descending (k <= 0: all, sorted) */
void sampler_top_k(struct sampler *s, int k)
{
	int n = s->n_cand;
	if (k <= 0 || k >= n) {
		qsort(s->cand, (size_t)n, sizeof(*s->cand), cmp_desc);
		return;
	}
	/* a min-heap of the k best in cand[0..k) */
	struct sampler_cand *h = s->cand;
	for (int i = k / 2 - 1; i >= 0; i--)
		sift_down(h, k, i);
	for (int i = k; i < n; i++)
		if (below(&h[0], &s->cand[i])) {
			h[0] = s->cand[i];
			sift_down(h, k, 0);
		}
	s->n_cand = k;
	qsort(s->cand, (size_t)k, sizeof(*s->cand), cmp_desc);
}

/* probabilities at temperature 1 of the (sorted) candidates */
static void softmax(struct sampler *s)
{
	float mx = s->cand[0].logit;
	double sum = 0;
	for (int i = 0; i < s->n_cand; i++) {
		s->cand[i].p = expf(s->cand[i].logit - mx);
		sum += s->cand[i].p;
	}
	for (int i = 0; i < s->n_cand; i++)
		s->cand[i].p = (float)(s->cand[i].p / sum);
}

/* keeps the shortest prefix of the sorted candidates whose probability sum reaches p */
void sampler_top_p(struct sampler *s, float p)
{
	if (p >= 1.0f || s->n_cand <= 1)
		return;
	softmax(s);
	double cum = 0;
	for (int i = 0; i < s->n_cand; i++) {
		cum += s->cand[i].p;
		if (cum >= p) {
			s->n_cand = i + 1;
			return;
		}
	}
}

/* keeps candidates whose probability is at least p times the best one's */
void sampler_min_p(struct sampler *s, float p)
{
	if (p <= 0.0f || s->n_cand <= 1)
		return;
	float thr = s->cand[0].logit + logf(p);
	int n = 1;
	while (n < s->n_cand && s->cand[n].logit >= thr)
		n++;
	s->n_cand = n;
}

int32_t sampler_sample(struct sampler *s, const float *logits)
{
	sampler_load(s, logits);
	sampler_penalize(s);
	if (s->par.temp <= 0.0f) {
		int best = 0;
		for (int i = 1; i < s->n_cand; i++)
			if (s->cand[i].logit > s->cand[best].logit)
				best = i;
		return s->cand[best].id;
	}
	sampler_top_k(s, s->par.top_k);
	sampler_top_p(s, s->par.top_p);
	sampler_min_p(s, s->par.min_p);
	for (int i = 0; i < s->n_cand; i++)
		s->cand[i].logit /= s->par.temp;
	softmax(s);
	float r = rng_unit(&s->rng);
	double cum = 0;
	for (int i = 0; i < s->n_cand; i++) {
		cum += s->cand[i].p;
		if (r < cum)
			return s->cand[i].id;
	}
	return s->cand[s->n_cand - 1].id;
}
