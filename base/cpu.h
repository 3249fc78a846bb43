/* cpu.h: the ISA features and cache sizes of the machine trit runs on, read at run time. */
#ifndef TRIT_CPU_H
#define TRIT_CPU_H

#include <stddef.h>

struct cpu_info {
	int avx2, fma, f16c, avx512f, avx512bw, avx512vl, avx512vnni, avxvnni, amx_int8;
	int neon, dotprod;
	size_t l1d, l2, l3, line; /* bytes */
	int physical_cores;
};

/* the features of this CPU (cpuid + sysfs), computed once and cached */
const struct cpu_info *cpu_host(void);
/* fills buf with the feature names of c separated by spaces, e.g. "avx2 avx512vnni avxvnni" */
void cpu_feature_string(const struct cpu_info *c, char *buf, size_t len);

#endif
