/* cpu.h: the ISA features and cache sizes of the machine trit runs on, read at run time. The
 * features come from one table, base/cpu_features.def. */
#ifndef TRIT_CPU_H
#define TRIT_CPU_H

#include <stddef.h>

/* the features of base/cpu_features.def, as indices and as bits of a mask */
enum cpu_feature {
#define CPU_FEATURE(ID, field, name, signed) CPUF_##ID,
#include "base/cpu_features.def"
	CPUF_COUNT
};
#define CPUF_BIT(ID) (1u << CPUF_##ID)

struct cpu_info {
#define CPU_FEATURE(ID, field, name, signed) int field;
#include "base/cpu_features.def"
	size_t l1d, l2, l3, line; /* bytes */
	int physical_cores;
};

/* the features of this CPU (cpuid + sysfs), computed once and cached */
const struct cpu_info *cpu_host(void);
/* fills buf with the names of c's signed features (cpu_features.def) separated by spaces, in the
 * table's order, e.g. "avx2 fma avx512f avx512bw avx512vnni avxvnni amx-int8" */
void cpu_feature_string(const struct cpu_info *c, char *buf, size_t len);
/* the features c has, as CPUF_BIT()s */
unsigned cpu_feature_mask(const struct cpu_info *c);
/* turns off in c every feature of mask */
void cpu_feature_clear(struct cpu_info *c, unsigned mask);
/* the name of feature f ("amx-int8"), "?" when out of range */
const char *cpu_feature_name(enum cpu_feature f);
/* the feature named s; 0, or -1 when no row has that name */
int cpu_feature_parse(const char *s, enum cpu_feature *out);

#endif
