#include <stdlib.h>

#include "api/internal.h"

void trit_sampler_params_default(trit_sampler_params *p)
{
	struct sampler_params d;
	sampler_params_default(&d);
	*p = (trit_sampler_params){.temp = d.temp, .top_k = d.top_k, .top_p = d.top_p, .min_p = d.min_p,
	                           .repeat_penalty = d.repeat_penalty, .repeat_last_n = d.repeat_last_n, .seed = d.seed};
}

trit_sampler *trit_sampler_new(const trit_model *m, const trit_sampler_params *p)
{
	trit_sampler_params def;
	if (!p) {
		trit_sampler_params_default(&def);
		p = &def;
	}
	struct sampler_params sp = {.temp = p->temp, .top_k = p->top_k, .top_p = p->top_p, .min_p = p->min_p,
	                            .repeat_penalty = p->repeat_penalty, .repeat_last_n = p->repeat_last_n,
	                            .seed = p->seed};
	trit_sampler *s = xcalloc(1, sizeof(*s));
	s->s = sampler_new(&sp, m->m.d.n_vocab);
	return s;
}

void trit_sampler_free(trit_sampler *s)
{
	if (!s)
		return;
	sampler_free(s->s);
	free(s);
}

uint64_t trit_sampler_seed(const trit_sampler *s) { return s->s->seed; }
int32_t trit_sampler_sample(trit_sampler *s, const float *logits) { return sampler_sample(s->s, logits); }
void trit_sampler_accept(trit_sampler *s, int32_t id) { sampler_accept(s->s, id); }
void trit_sampler_reset(trit_sampler *s) { sampler_reset(s->s); }
