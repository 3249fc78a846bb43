/* print.c: the canonical text form of model descriptions and kernel specs. */
#include <stdio.h>

#include "ir/ir.h"

void spec_format(const struct kernel_spec *s, char *buf, size_t len)
{
	snprintf(buf, len, "kernel %s m=%d k=%d n=%d isa=%s bm=%d bk=%d rb=%d unroll=%d prefetch=%d threads=%d",
	         kind_name(s->kind), s->m, s->k, s->n, isa_name(s->isa), s->bm, s->bk, s->rb, s->unroll,
	         s->prefetch, s->threads);
}

void model_print(FILE *out, const struct model_desc *m)
{
	fprintf(out, "model %s\n", m->name);
	fprintf(out, "arch %s\n", m->arch);
	fprintf(out, "tokenizer %s\n", m->tokenizer);
	fprintf(out, "vocab %d\n", m->n_vocab);
	fprintf(out, "embd %d\n", m->n_embd);
	fprintf(out, "ffn %d\n", m->n_ff);
	fprintf(out, "layers %d\n", m->n_layer);
	fprintf(out, "heads %d\n", m->n_head);
	fprintf(out, "kv_heads %d\n", m->n_head_kv);
	fprintf(out, "ctx %d\n", m->n_ctx);
	fprintf(out, "rope_theta %.9g\n", (double)m->rope_theta);
	fprintf(out, "rms_eps %.9g\n", (double)m->rms_eps);
	fprintf(out, "tied %s\n", m->tied ? "true" : "false");
	fprintf(out, "sub_norms %s\n", m->sub_norms ? "true" : "false");
	fprintf(out, "act %s\n", m->act);
	for (int i = 0; i < m->n_linear && i < MODEL_MAX_LINEARS; i++)
		fprintf(out, "linear %s m=%d k=%d\n", m->linear[i].name, m->linear[i].m, m->linear[i].k);
}

void ir_print(FILE *out, const struct ir_file *f)
{
	if (f->has_model)
		model_print(out, &f->model);
	for (int i = 0; i < f->nspecs; i++) {
		char buf[256];
		spec_format(&f->specs[i], buf, sizeof(buf));
		fprintf(out, "%s\n", buf);
	}
}
