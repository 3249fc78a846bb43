/* backend.h: what a device provides to run models, so that it can own the weights, activations and
 * KV caches in its own memory and launch its own kernels: a copy of the model's weights, sessions (KV
 * caches and buffers for n_seq sequences), the batched decode step, KV-cache edits, and, for tools
 * and tests, device buffers with a single kernel launch on them. Addresses are 64-bit device
 * addresses (host pointers on the CPU), never dereferenced outside the backend. The CPU
 * (backend_cpu.c) is the first implementation. */
#ifndef TRIT_BACKEND_H
#define TRIT_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "runtime/forward.h"
#include "runtime/model.h"

struct session_config {
	int n_ctx, n_seq, n_threads, kv_f32;
};

/* one kernel launch on device buffers: the handle's spec on packed weights w, int8 activations x
 * (token t at x + t*ldx), int32 outputs y (token t, row r at y[t*ldy + r]) */
struct device_launch {
	uint64_t w, x, y;
	int64_t ldx, ldy;
	int32_t n, row0, row1;
};

struct backend_ops {
	const char *name;
	/* makes the device's copy of m's packed weights (*dev; NULL when the device uses m's) */
	int (*model_prepare)(struct model *m, void **dev, struct error *e);
	void (*model_release)(void *dev);
	/* a session's state on the device */
	int (*session_new)(struct model *m, void *dev, const struct session_config *c, void **state, struct error *e);
	void (*session_free)(void *state);
	/* forward_decode's contract: logits of the selected tokens to host memory */
	int (*decode)(void *state, const struct forward_batch *b, float *logits, struct error *e);
	void (*truncate)(void *state, int seq, int n_keep);
	int (*seq_len)(const void *state, int seq);
	int (*n_threads)(const void *state);
	/* device memory for one kernel launch, and copies from and to the host */
	int (*buf_alloc)(size_t bytes, uint64_t *addr, struct error *e);
	void (*buf_free)(uint64_t addr);
	int (*upload)(uint64_t dst, const void *src, size_t bytes, struct error *e);
	int (*download)(void *dst, uint64_t src, size_t bytes, struct error *e);
	/* runs h's kernel on device buffers and waits for it */
	int (*launch)(const struct kernel_handle *h, const struct device_launch *l, struct error *e);
};

/* the backend named name ("cpu"); NULL with a message naming the ones this build has */
const struct backend_ops *backend_find(const char *name, struct error *e);
/* the CPU backend */
extern const struct backend_ops backend_cpu;

#endif
