/* records_key.c: what names a tuning record: the shape key, the CPU signature, this host's model
 * name and features (the site), the version/date stamp. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/cpu.h"
#include "config.h"
#include "kernel/kernel.h"
#include "tune/tunedb.h"

void tune_shape_key(int32_t m, int32_t k, int32_t n, char *buf, size_t len)
{
	snprintf(buf, len, "m=%d,k=%d,n=%d", m, k, n);
}

void tune_cpu_signature(const char *cpu, const char *features, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
	for (const char *p = cpu; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	h = (h ^ '\n') * 0x100000001b3ull;
	for (const char *p = features; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	snprintf(out, 17, "%016" PRIx64, h);
}

void tune_key(int32_t m, int32_t k, int32_t n, const char *cpu, const char *features, char *buf,
              size_t len)
{
	char sig[17];
	tune_cpu_signature(cpu, features, sig);
	snprintf(buf, len, "m=%d,k=%d,n=%d;cpu=%s", m, k, n, sig);
}

int tune_parse_shape_key(const char *key, int32_t *m, int32_t *k, int32_t *n)
{
	int a, b, c, used = 0;
	if (sscanf(key, "m=%d,k=%d,n=%d%n", &a, &b, &c, &used) != 3 || a < 1 || b < 1 || c < 1)
		return -1;
	if (key[used] && key[used] != ';')
		return -1;
	*m = a;
	*k = b;
	*n = c;
	return 0;
}

void tune_site_init(struct tune_site *s, const char *cache_dir, const struct cpu_info *cpu, struct log_sink log)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->cache_dir, sizeof s->cache_dir, "%s", cache_dir ? cache_dir : "");
	if (s->cache_dir[0])
		snprintf(s->dir, sizeof s->dir, "%s/tune", s->cache_dir);
	s->cpu = *cpu;
	s->log = log;
	cpu_feature_string(&s->cpu, s->features, sizeof s->features);
	snprintf(s->cpu_model, sizeof s->cpu_model, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		char *v = strchr(line, ':');
		if (strncmp(line, "model name", 10) != 0 || !v)
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		v[strcspn(v, "\n")] = 0;
		if (*v)
			snprintf(s->cpu_model, sizeof s->cpu_model, "%s", v);
		break;
	}
	fclose(f);
}

void tune_record_stamp(struct tune_record *r, const struct tune_site *site, const char *llvm_version)
{
	snprintf(r->cpu, sizeof r->cpu, "%s", site->cpu_model);
	snprintf(r->features, sizeof r->features, "%s", site->features);
	snprintf(r->trit, sizeof r->trit, "%s", TRIT_VERSION);
	snprintf(r->llvm, sizeof r->llvm, "%s", llvm_version ? llvm_version : "none");
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(r->date, sizeof r->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
