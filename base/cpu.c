/* cpu.c: feature detection (cpuid/xgetbv on x86-64, hwcaps on AArch64), cache sizes from sysfs,
 * and the feature table of base/cpu_features.def as data. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cpu.h"
#include "config.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>

static int os_saves(unsigned mask)
{
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & mask) == mask;
}

/* Linux hands out the AMX tile state only on request (once per process, for all its threads);
 * without it the first AMX instruction is SIGILL. 1 when granted. */
static int amx_permitted(void)
{
#if defined(__linux__)
	enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };
	return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
#else
	return 0;
#endif
}

static void detect_isa(struct cpu_info *c)
{
	unsigned a, b, cx, d;
	if (!__get_cpuid(1, &a, &b, &cx, &d))
		return;
	int osxsave = (cx >> 27) & 1, ymm = osxsave && os_saves(0x6), zmm = osxsave && os_saves(0xe6);
	c->fma = ymm && ((cx >> 12) & 1);
	c->f16c = ymm && ((cx >> 29) & 1);
	if (!__get_cpuid_count(7, 0, &a, &b, &cx, &d))
		return;
	c->avx2 = ymm && ((b >> 5) & 1);
	c->avx512f = zmm && ((b >> 16) & 1);
	c->avx512bw = zmm && ((b >> 30) & 1);
	c->avx512vl = zmm && ((b >> 31) & 1);
	c->avx512vnni = zmm && ((cx >> 11) & 1);
	c->amx_int8 = ((d >> 25) & 1) && ((d >> 24) & 1) && amx_permitted();
	if (__get_cpuid_count(7, 1, &a, &b, &cx, &d))
		c->avxvnni = ymm && ((a >> 4) & 1);
}
#elif defined(__aarch64__)
#include <sys/auxv.h>
static void detect_isa(struct cpu_info *c)
{
	unsigned long hw = getauxval(AT_HWCAP);
	c->neon = 1;
	c->dotprod = (hw >> 20) & 1; /* HWCAP_ASIMDDP */
}
#else
static void detect_isa(struct cpu_info *c) { (void)c; }
#endif

static size_t sysfs_cache(int level, size_t fallback)
{
	char path[128], buf[64];
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		FILE *f = fopen(path, "r");
		if (!f)
			break;
		int lv = 0;
		if (fscanf(f, "%d", &lv) != 1)
			lv = 0;
		fclose(f);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		f = fopen(path, "r");
		if (!f || !fgets(buf, sizeof(buf), f)) {
			if (f)
				fclose(f);
			continue;
		}
		fclose(f);
		if (lv != level || strncmp(buf, "Instruction", 11) == 0)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		size_t v = 0;
		char unit = 'K';
		int n = fscanf(f, "%zu%c", &v, &unit);
		fclose(f);
		if (n >= 1 && v > 0)
			return v * (unit == 'M' ? 1024 * 1024 : unit == 'K' ? 1024 : 1);
	}
	return fallback;
}

static int count_physical_cores(void)
{
	/* distinct (physical id, core id) pairs; falls back to the online CPU count */
	FILE *f = fopen("/proc/cpuinfo", "r");
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (!f)
		return n > 0 ? (int)n : 1;
	char line[256];
	int phys = 0, seen[256][2], nseen = 0;
	while (fgets(line, sizeof(line), f)) {
		int v;
		if (sscanf(line, "physical id : %d", &v) == 1)
			phys = v;
		else if (sscanf(line, "core id : %d", &v) == 1) {
			int dup = 0;
			for (int i = 0; i < nseen; i++)
				dup |= seen[i][0] == phys && seen[i][1] == v;
			if (!dup && nseen < 256) {
				seen[nseen][0] = phys;
				seen[nseen][1] = v;
				nseen++;
			}
		}
	}
	fclose(f);
	if (nseen == 0)
		return n > 0 ? (int)n : 1;
	return nseen;
}

static struct cpu_info host;

static void detect_host(void)
{
	detect_isa(&host);
	host.l1d = sysfs_cache(1, (size_t)TRIT_CONF_L1D_KIB * 1024);
	host.l2 = sysfs_cache(2, (size_t)TRIT_CONF_L2_KIB * 1024);
	host.l3 = sysfs_cache(3, (size_t)TRIT_CONF_L3_KIB * 1024);
	host.line = 64;
	host.physical_cores = count_physical_cores();
}

const struct cpu_info *cpu_host(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, detect_host);
	return &host;
}

/* the table's rows as data: where each feature's field is and how it is spelt */
static const struct {
	const char *name;
	size_t off;
	int sig;
} feats[CPUF_COUNT] = {
#define CPU_FEATURE(ID, field, name, signed) [CPUF_##ID] = {name, offsetof(struct cpu_info, field), signed},
#include "base/cpu_features.def"
};

static int has(const struct cpu_info *c, int f)
{
	return *(const int *)((const char *)c + feats[f].off);
}

void cpu_feature_string(const struct cpu_info *c, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < CPUF_COUNT; i++)
		if (feats[i].sig && has(c, i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? " " : "", feats[i].name);
}

unsigned cpu_feature_mask(const struct cpu_info *c)
{
	unsigned m = 0;
	for (int i = 0; i < CPUF_COUNT; i++)
		if (has(c, i))
			m |= 1u << i;
	return m;
}

void cpu_feature_clear(struct cpu_info *c, unsigned mask)
{
	for (int i = 0; i < CPUF_COUNT; i++)
		if (mask & (1u << i))
			*(int *)((char *)c + feats[i].off) = 0;
}

const char *cpu_feature_name(enum cpu_feature f)
{
	return (unsigned)f < CPUF_COUNT ? feats[f].name : "?";
}

int cpu_feature_parse(const char *s, enum cpu_feature *out)
{
	for (int i = 0; i < CPUF_COUNT; i++)
		if (!strcmp(s, feats[i].name)) {
			*out = (enum cpu_feature)i;
			return 0;
		}
	return -1;
}
