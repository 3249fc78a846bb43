#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#include "base/cpu.h"
#include "base/half.h"
#include "base/rng.h"
#include "base/util.h"
#include "tests/test.h"

TEST(half_roundtrips_every_f16)
{
	for (uint32_t h = 0; h < 65536; h++) {
		float f = f16_to_f32((uint16_t)h);
		if (isnan(f))
			continue;
		CHECKF(f32_to_f16(f) == h, "f16 %04x -> %g -> %04x", h, f, f32_to_f16(f));
	}
}

TEST(half_rounds_to_nearest_even)
{
	CHECK_EQ_INT(f32_to_f16(1.0f + 1.0f / 2048), 0x3c00);      /* tie, even below */
	CHECK_EQ_INT(f32_to_f16(1.0f + 3.0f / 2048), 0x3c02);      /* tie, even above */
	CHECK_EQ_INT(f32_to_f16(65520.0f), 0x7c00);                /* overflows to inf */
	CHECK_EQ_INT(f32_to_f16(5.9604645e-08f), 0x0001);          /* smallest subnormal */
	CHECK(bf16_to_f32(f32_to_bf16(3.0f)) == 3.0f);
}

TEST(rng_is_deterministic)
{
	struct rng a, b;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		CHECK(rng_u64(&a) == rng_u64(&b));
	rng_seed(&a, 1);
	CHECK(rng_u64(&a) != rng_u64(&b));
	double sum = 0;
	for (int i = 0; i < 10000; i++)
		sum += rng_normal(&a);
	CHECKF(fabs(sum / 10000) < 0.05, "normal mean %g", sum / 10000);
}

/* the names in directory dir other than "." and "..", space-separated, in out; returns how many */
static int list_dir(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	int n = 0;
	size_t used = 0;
	out[0] = 0;
	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s", used ? " " : "", de->d_name);
		if (used >= len)
			used = len;
	}
	closedir(d);
	return n;
}

TEST(write_file_atomic_leaves_no_temp)
{
	struct error e;
	char dir[400], path[512], names[1024];
	snprintf(dir, sizeof(dir), "%s/sub/dir", test_tmpdir());
	CHECK(mkdir_p(dir, &e) == 0);
	snprintf(path, sizeof(path), "%s/f.bin", dir);
	CHECK(write_file_atomic(path, "hello", 5, &e) == 0);
	CHECKF(list_dir(dir, names, sizeof(names)) == 1 && !strcmp(names, "f.bin"), "after a write: %s", names);
	CHECK(write_file_atomic(path, "bye", 3, &e) == 0); /* replaces the file */
	CHECKF(list_dir(dir, names, sizeof(names)) == 1 && !strcmp(names, "f.bin"), "after a rewrite: %s", names);
	size_t n;
	char *s = read_file(path, &n, &e);
	CHECK(s && n == 3 && !memcmp(s, "bye", 3));
	free(s);

	/* the temp file is created, then the rename fails (a directory is in the way): the temp must go */
	char blocked[512];
	snprintf(blocked, sizeof(blocked), "%s/d", dir);
	CHECK(mkdir_p(blocked, &e) == 0);
	CHECK(write_file_atomic(blocked, "a", 1, &e) == -1);
	CHECK(strstr(e.msg, blocked) != NULL);
	CHECKF(list_dir(dir, names, sizeof(names)) == 2 && !strcmp(names, "f.bin d") + !strcmp(names, "d f.bin") == 1,
	       "after a failed rename: %s", names);

	/* a directory that cannot be written (root writes anyway, so only as another user): nothing created */
	if (geteuid() != 0) {
		char ro[400];
		snprintf(ro, sizeof(ro), "%s/ro", test_tmpdir());
		CHECK(mkdir_p(ro, &e) == 0 && chmod(ro, 0555) == 0);
		snprintf(path, sizeof(path), "%s/f", ro);
		CHECK(write_file_atomic(path, "a", 1, &e) == -1);
		CHECKF(list_dir(ro, names, sizeof(names)) == 0, "in a read-only directory: %s", names);
		chmod(ro, 0755);
	}
	CHECK(write_file_atomic("/nonexistent-dir/x", "a", 1, &e) == -1);
	CHECK(strstr(e.msg, "/nonexistent-dir/x") != NULL);
	CHECK(read_file("/nonexistent-file", &n, &e) == NULL);
}

/* the size in bytes of cpu0's data or unified cache of this level from sysfs, read independently of
   base/cpu.c; 0 when sysfs does not say */
static size_t sysfs_cache_size(int level)
{
	for (int i = 0; i < 16; i++) {
		char path[80], buf[160];
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d", i);
		char lv[64], type[64], size[64];
		const char *want[3] = {"level", "type", "size"};
		char *got[3] = {lv, type, size};
		int ok = 1;
		for (int j = 0; j < 3 && ok; j++) {
			snprintf(buf, sizeof(buf), "%s/%s", path, want[j]);
			FILE *f = fopen(buf, "r");
			ok = f && fgets(got[j], 64, f);
			if (f)
				fclose(f);
		}
		if (!ok || atoi(lv) != level || !strncmp(type, "Instruction", 11))
			continue;
		char *end;
		unsigned long long v = strtoull(size, &end, 10);
		return (size_t)v * (*end == 'M' ? 1u << 20 : *end == 'K' ? 1u << 10 : *end == 'G' ? 1u << 30 : 1);
	}
	return 0;
}

/* 1 when s holds word w delimited by spaces, tabs, ':' or the ends */
static int has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = s; (p = strstr(p, w)); p++)
		if ((p == s || strchr(" \t:", p[-1])) && (p[n] == 0 || strchr(" \t\n", p[n])))
			return 1;
	return 0;
}

TEST(cpu_reports_caches)
{
	const struct cpu_info *c = cpu_host();
	size_t l[3] = {c->l1d, c->l2, c->l3};
	for (int i = 0; i < 3; i++) {
		size_t want = sysfs_cache_size(i + 1);
		if (want) /* sysfs tells: the value must be sysfs's */
			CHECKF(l[i] == want, "L%d: cpu_host says %zu bytes, sysfs %zu", i + 1, l[i], want);
	}
	/* whatever the source (sysfs or configure's fallback), the sizes must be plausible */
	CHECKF(c->l1d >= 4096 && c->l1d <= ((size_t)4 << 20), "L1d %zu bytes", c->l1d);
	CHECKF(c->l2 >= c->l1d && c->l2 <= ((size_t)256 << 20), "L2 %zu bytes, L1d %zu", c->l2, c->l1d);
	CHECKF(c->l3 > 0 && c->l3 <= ((size_t)4 << 30), "L3 %zu bytes", c->l3);
	if (sysfs_cache_size(3) || !sysfs_cache_size(2)) /* not when only L3 is configure's fallback (no L3) */
		CHECKF(c->l3 >= c->l2, "L3 %zu bytes < L2 %zu", c->l3, c->l2);
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	CHECKF(c->physical_cores >= 1 && (online < 1 || c->physical_cores <= online), "%d physical cores, %ld online",
	       c->physical_cores, online);

	/* the feature string names exactly the features that are set */
	char buf[256];
	cpu_feature_string(c, buf, sizeof(buf));
	const struct { const char *name; int on; } feats[] = {
		{"avx2", c->avx2}, {"fma", c->fma}, {"avx512f", c->avx512f}, {"avx512bw", c->avx512bw},
		{"avx512vnni", c->avx512vnni}, {"avxvnni", c->avxvnni}, {"amx-int8", c->amx_int8},
		{"neon", c->neon}, {"dotprod", c->dotprod},
	};
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
		CHECKF(has_word(buf, feats[i].name) == !!feats[i].on, "%s is %d, feature string \"%s\"", feats[i].name,
		       feats[i].on, buf);
#if defined(__x86_64__)
	CHECK(!c->avx512vnni || c->avx512f);
	/* cpuid as base/cpu.c reads it must agree with the kernel's view in /proc/cpuinfo */
	static char line[16384];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int have = 0;
	while (f && !have && fgets(line, sizeof(line), f))
		have = !strncmp(line, "flags", 5);
	if (f)
		fclose(f);
	if (have) {
		const struct { const char *flag; int on; } os[] = {
			{"avx2", c->avx2}, {"fma", c->fma}, {"f16c", c->f16c}, {"avx512f", c->avx512f},
			{"avx512bw", c->avx512bw}, {"avx512vl", c->avx512vl}, {"avx512_vnni", c->avx512vnni},
			{"avx_vnni", c->avxvnni},
		};
		for (size_t i = 0; i < sizeof(os) / sizeof(os[0]); i++)
			CHECKF(has_word(line, os[i].flag) == !!os[i].on, "%s: cpu_host says %d, /proc/cpuinfo %s", os[i].flag,
			       os[i].on, has_word(line, os[i].flag) ? "has it" : "lacks it");
	}
#endif
}
