#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/model_specs.h"

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
                       const struct log_sink *log, struct kernel_spec **out, struct error *e)
{
	struct kernel_spec *specs = xcalloc((size_t)(m->n_linear * nkinds * nbatches) + 1, sizeof(*specs));
	int n = 0;
	for (int ki = 0; ki < nkinds; ki++) {
		for (int li = 0; li < m->n_linear; li++) {
			if (seen_shape(m, li))
				continue;
			for (int bi = 0; bi < nbatches; bi++) {
				enum isa is = isa < 0 ? isa_best(kinds[ki], batches[bi], c) : (enum isa)isa;
				struct error se;
				if (spec_default(&specs[n], kinds[ki], is, m->linear[li].m, m->linear[li].k,
				                 batches[bi], c, &se) < 0) {
					log_to(log, LOG_WARN, "no %s kernel for %s (m=%d k=%d): %s", kind_name(kinds[ki]),
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

/* the value of field `name` in a spec line ("name=VALUE" as a whole word), or NULL */
static const char *field_value(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = strstr(text, name); p; p = strstr(p + 1, name))
		if ((p == text || p[-1] == ' ' || p[-1] == '\t') && p[n] == '=')
			return p + n + 1;
	return NULL;
}

/* reads an int field; 1 when present and well-formed, 0 when absent, -1 when malformed */
static int int_field(const char *text, const char *name, int32_t *v)
{
	const char *p = field_value(text, name);
	if (!p)
		return 0;
	char *end;
	long x = strtol(p, &end, 10);
	if (end == p || (*end && *end != ' ' && *end != '\t' && *end != '\n') || x < 0 || x > INT32_MAX)
		return -1;
	*v = (int32_t)x;
	return 1;
}

int spec_from_text(const char *text, int default_isa, const struct cpu_info *c,
                   struct kernel_spec *s, struct error *e)
{
	const char *p = text + strspn(text, " \t");
	if (!strncmp(p, "kernel", 6) && (p[6] == ' ' || p[6] == '\t'))
		p += 6 + strspn(p + 6, " \t");
	char kname[16] = "";
	size_t kl = strcspn(p, " \t\n");
	enum kernel_kind kind;
	if (kl >= sizeof(kname))
		return spec_parse(text, s, e);
	memcpy(kname, p, kl);
	kname[kl] = 0;
	int32_t m = 0, k = 0, n = 1;
	int rm = int_field(text, "m", &m), rk = int_field(text, "k", &k), rn = int_field(text, "n", &n);
	enum isa is = default_isa < 0 ? ISA_SCALAR : (enum isa)default_isa;
	const char *iv = field_value(text, "isa");
	int ri = 1;
	if (iv) {
		char ibuf[32] = "";
		size_t il = strcspn(iv, " \t\n");
		if (il < sizeof(ibuf))
			memcpy(ibuf, iv, il);
		ri = isa_parse(ibuf, &is) == 0 ? 1 : -1;
	}
	if (kind_parse(kname, &kind) < 0 || rm < 0 || rk < 0 || rn < 0 || ri < 0)
		return spec_parse(text, s, e); /* its message names the bad token */
	if (!rm || !rk)
		return errorf(e, "spec '%s' needs at least a kind, m= and k=", text);
	if (!iv && default_isa < 0)
		is = isa_best(kind, n, c);
	struct kernel_spec d;
	if (spec_default(&d, kind, is, m, k, n, c, e) < 0)
		return -1;
	/* complete the line with the defaults and let the IR parser read (and check) all of it */
	size_t cap = strlen(text) + 256;
	char *line = xmalloc(cap);
	int len = snprintf(line, cap, "%s", text);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == ' '))
		line[--len] = 0;
	const struct { const char *name; int32_t v; } fill[] = {
		{"n", d.n}, {"bm", d.bm}, {"bk", d.bk}, {"rb", d.rb}, {"unroll", d.unroll},
		{"prefetch", d.prefetch}, {"threads", d.threads},
	};
	for (size_t i = 0; i < COUNTOF(fill); i++)
		if (!field_value(text, fill[i].name))
			len += snprintf(line + len, cap - (size_t)len, " %s=%d", fill[i].name, fill[i].v);
	if (!iv)
		snprintf(line + len, cap - (size_t)len, " isa=%s", isa_name(is));
	int r = spec_parse(line, s, e);
	free(line);
	return r;
}

int cpu_disable_list(struct cpu_info *c, const char *list, struct error *e)
{
	char *copy = xstrdup(list), *save = NULL;
	int bad = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum cpu_feature f;
		enum isa i;
		if (cpu_feature_parse(t, &f) == 0)
			cpu_feature_clear(c, 1u << f);
		else if (isa_parse(t, &i) == 0)
			cpu_feature_clear(c, isa_info(i)->adds);
		else if (!bad++)
			errorf(e, "'%s' is neither a CPU feature nor an ISA name", t);
	}
	free(copy);
	return bad ? -1 : 0;
}

void kernel_cpu_mask(struct cpu_info *c, const char *disable)
{
	if (disable && *disable)
		cpu_disable_list(c, disable, NULL); /* unknown names are ignored, as they always were */
}

