/* abi.h: the one C signature of every kernel (generated, AOT or reference) and its arguments. */
#ifndef TRIT_KERNEL_ABI_H
#define TRIT_KERNEL_ABI_H

#include <stdint.h>

/* Arguments of every kernel. A kernel computes, for tokens t < n and rows r in [row0, row1),
 *   y[t*ldy + r] = sum_k W[r][k] * x[t*ldx + k]     (exact int32)
 * reading W from the packed layout pack_weights() produced for the same spec. */
struct kernel_args {
	const uint8_t *w;   /* packed weights of the whole matrix */
	const int8_t *x;    /* int8 activations, token t at x + t*ldx */
	int32_t *y;         /* outputs, token t row r at y[t*ldy + r] */
	int64_t ldx, ldy;
	int32_t n;          /* tokens in this call, 1 <= n <= spec.n */
	int32_t row0, row1; /* rows to compute: row0 % bm == 0, row1 % bm == 0 or row1 == m */
	void *scratch;      /* kernel_scratch_size() bytes, 64-byte aligned, owned by the calling thread */
};

/* the fixed C signature of every kernel */
typedef void (*kernel_fn)(const struct kernel_args *a);

#endif
