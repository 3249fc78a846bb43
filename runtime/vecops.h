/* vecops.h: the vector loops of the forward pass, each picked once per process from the CPU (AVX2,
 * FMA, F16C and AVX-512VL forms where present, plain C otherwise), never from the thread count or
 * batch, so every value is summed in the same order however the work is split. */
#ifndef TRIT_VECOPS_H
#define TRIT_VECOPS_H

#include <stdint.h>

struct vecops {
	/* Σ w·h of an F16 row (output layer, 4 accumulators over 32-element steps) and of an F32 row */
	float (*dot_f16)(const uint16_t *w, const float *h, int64_t n);
	float (*dot_f32)(const float *w, const float *h, int64_t n);
	/* dot_f16 of one row with four vectors at once (the row converted once), each in dot_f16's order;
	 * NULL when the CPU lacks the registers for it (then four dot_f16 calls) */
	void (*dot_f16_x4)(const uint16_t *w, const float *const h[4], int64_t n, float out[4]);
	/* attention: out[g] = k·q[g] and acc[g] += w[g]·v for the G query heads of one KV head, the cached
	 * row (F16 or F32) read once for all; one accumulator per head, elements in order, the same for
	 * every G. The SIMD forms need n % 8 == 0 (vecops_plain() takes any n) */
	void (*dots_f16)(const void *k, const float *const *q, int G, int n, float *out);
	void (*dots_f32)(const void *k, const float *const *q, int G, int n, float *out);
	void (*axpys_f16)(const float *w, const void *v, float *const *acc, int G, int n);
	void (*axpys_f32)(const float *w, const void *v, float *const *acc, int G, int n);
	/* Σ x² in double, lane i % 8 then the lanes pairwise: the same on every ISA */
	double (*sumsq)(const float *x, int64_t n);
	/* y = (x * scale) * w */
	void (*scale_mul)(const float *x, float scale, const float *w, float *y, int64_t n);
	/* y = max(g, 0)² * u, the squared-ReLU GLU (a NaN gate gives 0, as g > 0 ? g*g : 0 does) */
	void (*relu2_glu)(const float *g, const float *u, float *y, int64_t n);
	/* out = (float)acc * scale [+ bias], or out += that: dequant_out's one multiply, per row */
	void (*dequant)(const int32_t *acc, float scale, const float *bias, float *out, int add, long n);
	/* F32 to F16, round to nearest even (F16C gives f32_to_f16's halves for every non-NaN float) */
	void (*to_f16)(const float *x, uint16_t *y, int64_t n);
};

/* the fastest forms this CPU has */
const struct vecops *vecops(void);
/* the plain C forms */
const struct vecops *vecops_plain(void);

#endif
