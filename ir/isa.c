/* isa.c: the instruction-set table of ir/isa.def as data: names, families, kinds, CPU needs. */
#include <stdio.h>
#include <string.h>

#include "base/cpu.h"
#include "ir/ir.h"

static const struct isa_info isas[ISA_COUNT] = {
#define ISA(ID, name, family, needs, adds, llvm, kinds, min_n, emit, vbytes) \
	[ISA_##ID] = {name, FAMILY_##family, needs, adds, llvm, kinds, min_n, vbytes},
#include "ir/isa.def"
};

static const struct {
	const char *name;
	int on_cpu;
	const char *triples;
} families[FAMILY_COUNT] = {
#define ISA_FAMILY(ID, name, on_cpu, triples) [FAMILY_##ID] = {name, on_cpu, triples},
#include "ir/isa.def"
};

const struct isa_info *isa_info(enum isa i)
{
	return (unsigned)i < ISA_COUNT ? &isas[i] : NULL;
}

const char *isa_name(enum isa i)
{
	return (unsigned)i < ISA_COUNT ? isas[i].name : "?";
}

int isa_parse(const char *s, enum isa *out)
{
	for (int i = 0; i < ISA_COUNT; i++)
		if (!strcmp(s, isas[i].name)) {
			*out = (enum isa)i;
			return 0;
		}
	return -1;
}

int isa_runs_kind(enum isa i, enum kernel_kind k)
{
	return (unsigned)i < ISA_COUNT && (unsigned)k < KIND_COUNT && (isas[i].kinds & (1u << k));
}

const char *isa_family_name(enum isa_family f)
{
	return (unsigned)f < FAMILY_COUNT ? families[f].name : "?";
}

int isa_family_on_cpu(enum isa_family f)
{
	return (unsigned)f < FAMILY_COUNT && families[f].on_cpu;
}

int isa_family_covers(enum isa_family f, const char *triple)
{
	if ((unsigned)f >= FAMILY_COUNT)
		return 0;
	const char *p = families[f].triples;
	if (!*p)
		return 1;
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n && !strncmp(triple, p, n))
			return 1;
		p += n + strspn(p + n, " ");
	}
	return 0;
}

char *isa_list_for_kind(enum kernel_kind k, char *buf, size_t len)
{
	int total = 0, done = 0;
	for (int i = 0; i < ISA_COUNT; i++)
		total += isa_runs_kind((enum isa)i, k);
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < ISA_COUNT; i++) {
		if (!isa_runs_kind((enum isa)i, k))
			continue;
		const char *sep = done == 0 ? "" : done == total - 1 ? " or " : ", ";
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", sep, isas[i].name);
		done++;
	}
	return buf;
}
