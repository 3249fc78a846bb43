#include <stdlib.h>
#include <string.h>

#include "jit/model_specs.h"

int parse_kind_list(const char *s, enum kernel_kind *kinds, struct error *e)
{
	char *copy = xstrdup(s), *save = NULL;
	int n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == MAX_LIST || kind_parse(t, &kinds[n]) < 0) {
			errorf(e, n == MAX_LIST ? "too many kinds in '%s'" : "unknown kernel kind '%s' (expected i2s, tl1 or tl2)",
			       n == MAX_LIST ? s : t);
			free(copy);
			return -1;
		}
		n++;
	}
	free(copy);
	if (n == 0)
		return errorf(e, "empty kind list");
	return n;
}

int parse_batch_list(const char *s, int32_t *v, struct error *e)
{
	char *copy = xstrdup(s), *save = NULL;
	int n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		long x = strtol(t, &end, 10);
		if (*end || end == t || x < 1 || x > 65536 || n == MAX_LIST) {
			errorf(e, "bad batch size '%s' (expected positive integers, e.g. 1,64)", t);
			free(copy);
			return -1;
		}
		v[n++] = (int32_t)x;
	}
	free(copy);
	if (n == 0)
		return errorf(e, "empty batch list");
	return n;
}

/* 1 when (m, k) already appeared among the first i linears */
static int seen_shape(const struct model_desc *m, int i)
{
	for (int j = 0; j < i; j++)
		if (m->linear[j].m == m->linear[i].m && m->linear[j].k == m->linear[i].k)
			return 1;
	return 0;
}

int model_kernel_specs(const struct model_desc *m, const enum kernel_kind *kinds, int nkinds,
                       const int32_t *batches, int nbatches, int isa, const struct cpu_info *c,
                       struct kernel_spec **out, struct error *e)
{
	struct kernel_spec *specs = xcalloc((size_t)(m->n_linear * nkinds * nbatches) + 1, sizeof(*specs));
	int n = 0;
	for (int ki = 0; ki < nkinds; ki++) {
		enum isa is = isa < 0 ? isa_best(kinds[ki], c) : (enum isa)isa;
		for (int li = 0; li < m->n_linear; li++) {
			if (seen_shape(m, li))
				continue;
			for (int bi = 0; bi < nbatches; bi++) {
				struct error se;
				if (spec_default(&specs[n], kinds[ki], is, m->linear[li].m, m->linear[li].k,
				                 batches[bi], c, &se) < 0) {
					warn("no %s kernel for %s (m=%d k=%d): %s", kind_name(kinds[ki]),
					     m->linear[li].name, m->linear[li].m, m->linear[li].k, se.msg);
					continue;
				}
				n++;
			}
		}
	}
	if (n == 0) {
		free(specs);
		return errorf(e, "no kernel of the requested kinds can handle this model's shapes");
	}
	*out = specs;
	return n;
}
