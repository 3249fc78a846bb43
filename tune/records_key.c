/* records_key.c: what names a tuning record: the shape key, the CPU signature, this host's model
 * name and features, the version/date stamp and the records' directory. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/cpu.h"
#include "base/paths.h"
#include "config.h"
#include "kernel/kernel.h"
#include "kernel/model_specs.h"
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

static char host_model[128];
static char host_features[256];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void read_host(void)
{
	snprintf(host_model, sizeof host_model, "unknown");
	cpu_feature_string(kernel_host_cpu(), host_features, sizeof host_features);
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
			snprintf(host_model, sizeof host_model, "%s", v);
		break;
	}
	fclose(f);
}

const char *tune_host_cpu(void)
{
	pthread_once(&host_once, read_host);
	return host_model;
}

const char *tune_host_features(void)
{
	pthread_once(&host_once, read_host);
	return host_features;
}

void tune_record_stamp(struct tune_record *r, const char *llvm_version)
{
	snprintf(r->cpu, sizeof r->cpu, "%s", tune_host_cpu());
	snprintf(r->features, sizeof r->features, "%s", tune_host_features());
	snprintf(r->trit, sizeof r->trit, "%s", TRIT_VERSION);
	snprintf(r->llvm, sizeof r->llvm, "%s", llvm_version ? llvm_version : "none");
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(r->date, sizeof r->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *tunedb_dir(void)
{
	static char buf[4200];
	snprintf(buf, sizeof buf, "%s/tune", trit_cache_dir());
	return buf;
}
