#include <stdio.h>
#include <string.h>

#include "api/internal.h"
#include "format/ggml_types.h"
#include "tune/membw.h"

/* bytes one decoded token reads: every packed ternary matrix once, and the output layer */
static double decode_bytes(const struct model *m)
{
	double b = 0;
	for (int l = 0; l < m->d.n_layer; l++) {
		const struct layer *L = &m->layers[l];
		for (int i = 0; i < L->n_qkv; i++)
			b += (double)khandle_pack_size(&L->qkv[i].gemv);
		b += (double)khandle_pack_size(&L->o.gemv);
		for (int i = 0; i < L->n_gate_up; i++)
			b += (double)khandle_pack_size(&L->gate_up[i].gemv);
		b += (double)khandle_pack_size(&L->down.gemv);
	}
	if (m->head_q8.w)
		return b + (double)m->head_q8.rows * ((double)m->head_q8.cols + 8);
	return b + (double)m->output->nbytes;
}

static void kernel_name(const struct kernel_handle *h, char *buf, size_t len)
{
	if (h->dense)
		snprintf(buf, len, "dense-ref");
	else
		snprintf(buf, len, "%s/%s%s", kind_name(h->spec.kind), isa_name(h->spec.isa), h->fn ? "" : "-ref");
}

void trit_model_get_stats(const trit_model *tm, trit_model_stats *out)
{
	const struct model *m = &tm->m;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof out->name, "%s", m->d.name);
	snprintf(out->arch, sizeof out->arch, "%s", m->d.arch);
	for (uint64_t k = 0; k < m->g.n_tensors; k++) {
		const struct gguf_tensor *t = &m->g.tensors[k];
		out->file_bytes += (double)t->nbytes;
		out->params += (double)(t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]);
	}
	const struct gguf_tensor *q = gguf_find_tensor(&m->g, "blk.0.ffn_down.weight");
	const char *tn = q ? ggml_type_name(q->type) : NULL;
	snprintf(out->weight_type, sizeof out->weight_type, "%s", tn ? tn : "?");
	snprintf(out->output_type, sizeof out->output_type, "%s", m->head_q8.w ? "q8" : ggml_type_name(m->output->type));
	out->decode_bytes = decode_bytes(m);
	kernel_name(&m->layers[0].down.gemv, out->gemv_kernel, sizeof out->gemv_kernel);
	kernel_name(&m->layers[0].down.gemm, out->gemm_kernel, sizeof out->gemm_kernel);
}

double trit_measure_read_gbs(size_t bytes, int threads, int reps)
{
	return membw_read_gbs(bytes, threads, reps, 4096);
}
