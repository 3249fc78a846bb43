/* the CPU backend: weights stay where model_load packed them, a session is a struct forward, and
 * device addresses are host pointers */
#include <stdlib.h>
#include <string.h>

#include "runtime/backend.h"

static int cpu_model_prepare(struct model *m, void **dev, struct error *e)
{
	(void)m;
	(void)e;
	*dev = NULL;
	return 0;
}

static void cpu_model_release(void *dev) { (void)dev; }

static int cpu_session_new(struct model *m, void *dev, const struct session_config *c, void **state,
                           struct error *e)
{
	(void)dev;
	struct forward *f = xcalloc(1, sizeof(*f));
	if (forward_init_seqs(f, m, c->n_ctx, c->n_seq, c->n_threads, c->kv_f32, e) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static void cpu_session_free(void *state)
{
	if (!state)
		return;
	forward_free(state);
	free(state);
}

static int cpu_decode(void *state, const struct forward_batch *b, float *logits, struct error *e)
{
	return forward_decode(state, b, logits, e);
}

static void cpu_truncate(void *state, int seq, int n_keep) { forward_truncate(state, seq, n_keep); }

static int cpu_seq_len(const void *state, int seq)
{
	const struct forward *f = state;
	return seq >= 0 && seq < f->n_seq ? f->seq_len[seq] : -1;
}

static int cpu_n_threads(const void *state) { return ((const struct forward *)state)->nth; }

static int cpu_buf_alloc(size_t bytes, uint64_t *addr, struct error *e)
{
	void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
	if (!p)
		return errorf(e, "cannot allocate %zu bytes", bytes);
	*addr = (uint64_t)(uintptr_t)p;
	return 0;
}

static void cpu_buf_free(uint64_t addr) { free((void *)(uintptr_t)addr); }

static int cpu_upload(uint64_t dst, const void *src, size_t bytes, struct error *e)
{
	(void)e;
	memcpy((void *)(uintptr_t)dst, src, bytes);
	return 0;
}

static int cpu_download(void *dst, uint64_t src, size_t bytes, struct error *e)
{
	(void)e;
	memcpy(dst, (const void *)(uintptr_t)src, bytes);
	return 0;
}

static int cpu_launch(const struct kernel_handle *h, const struct device_launch *l, struct error *e)
{
	void *scratch = NULL;
	if (h->scratch && !(scratch = aligned_alloc(64, (h->scratch + 63) / 64 * 64)))
		return errorf(e, "cannot allocate %zu bytes of kernel scratch", h->scratch);
	struct kernel_args a = {
		.w = (const uint8_t *)(uintptr_t)l->w,
		.x = (const int8_t *)(uintptr_t)l->x,
		.y = (int32_t *)(uintptr_t)l->y,
		.ldx = l->ldx,
		.ldy = l->ldy,
		.n = l->n,
		.row0 = l->row0,
		.row1 = l->row1,
		.scratch = scratch,
	};
	khandle_call(h, &a);
	free(scratch);
	return 0;
}

const struct backend_ops backend_cpu = {
	.name = "cpu",
	.model_prepare = cpu_model_prepare,
	.model_release = cpu_model_release,
	.session_new = cpu_session_new,
	.session_free = cpu_session_free,
	.decode = cpu_decode,
	.truncate = cpu_truncate,
	.seq_len = cpu_seq_len,
	.n_threads = cpu_n_threads,
	.buf_alloc = cpu_buf_alloc,
	.buf_free = cpu_buf_free,
	.upload = cpu_upload,
	.download = cpu_download,
	.launch = cpu_launch,
};

const struct backend_ops *backend_find(const char *name, struct error *e)
{
	if (!name || !strcmp(name, "cpu"))
		return &backend_cpu;
	errorf(e, "unknown device '%s': this build runs on 'cpu' only (the CUDA backend is not built yet)", name);
	return NULL;
}
