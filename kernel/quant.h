/* quant.h: per-token int8 activation quantization, the numerical contract's first half, and the
 * one multiply that turns a kernel's int32 sum back into a float. */
#ifndef TRIT_KERNEL_QUANT_H
#define TRIT_KERNEL_QUANT_H

#include <stdint.h>

/* Quantizes one token (the numerical contract, docs/kernels.md §1):
 *   amax = max(max|x|, 1e-5); s = 127/amax; q = clamp(round_half_even(x*s), -127, 127)
 * Returns s. Runs the fastest form this CPU has; every form gives the same bytes. */
float quantize_act(const float *x, int64_t k, int8_t *q);
/* the same in plain C, the definition */
float quantize_act_ref(const float *x, int64_t k, int8_t *q);
/* quantizes x with every form this CPU can run (plain C first) into q[i], s[i]; returns how many (for tests) */
int quantize_act_forms(const float *x, int64_t k, int8_t *const q[3], float s[3]);
/* the output of one row: (float)acc * (alpha / s), the one multiply the contract fixes */
static inline float dequant_out(int32_t acc, float alpha, float s) { return (float)acc * (alpha / s); }

#endif
