/* names.c: the names of kernel kinds and architectures as written in the IR (ISA names: ir/isa.c). */
#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

static const char *const kind_names[KIND_COUNT] = {"i2s", "tl1", "tl2"};

const char *kind_name(enum kernel_kind k)
{
	return (unsigned)k < KIND_COUNT ? kind_names[k] : "?";
}

int kind_parse(const char *s, enum kernel_kind *out)
{
	for (int i = 0; i < KIND_COUNT; i++)
		if (!strcmp(s, kind_names[i])) {
			*out = (enum kernel_kind)i;
			return 0;
		}
	return -1;
}

static const struct {
	const char *arch;
	const char *act;
	int sub_norms;
} arches[] = {
	{"bitnet-b1.58", "relu2", 1},
	{"bitnet-25", "relu2", 1},
	{"bitnet-1.58", "relu2", 1},
	{"bitnet", "silu", 1},
	{"llama", "silu", 0},
};

int arch_known(const char *arch)
{
	for (size_t i = 0; i < COUNTOF(arches); i++)
		if (!strcmp(arch, arches[i].arch))
			return 1;
	return 0;
}

int model_set_arch(struct model_desc *m, const char *arch, struct error *e)
{
	for (size_t i = 0; i < COUNTOF(arches); i++)
		if (!strcmp(arch, arches[i].arch)) {
			snprintf(m->arch, sizeof(m->arch), "%s", arches[i].arch);
			snprintf(m->act, sizeof(m->act), "%s", arches[i].act);
			m->sub_norms = arches[i].sub_norms;
			return 0;
		}
	return errorf(e, "unknown architecture '%.40s' (known: bitnet-b1.58, bitnet-25, bitnet-1.58, bitnet, llama)",
	              arch);
}
