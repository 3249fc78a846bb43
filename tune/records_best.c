/* records_best.c: best.tsv, the table derived from the log for this host: writing, reading, and
 * rebuilding it from records.jsonl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "tune/tunedb.h"

int tunedb_write_best(const char *path, const struct tune_best *b, int n, struct error *e)
{
	size_t cap = 128 + (size_t)n * 512, used = 0;
	char *buf = xmalloc(cap);
	used += (size_t)snprintf(buf, cap, "# key\ttime_s\tdefault_time_s\tspec\tjudged against default spec "
	                                   "(derived from records.jsonl)\n");
	for (int i = 0; i < n; i++) {
		char spec[256], against[256];
		spec_format(&b[i].spec, spec, sizeof spec);
		spec_format(&b[i].against, against, sizeof against);
		used += (size_t)snprintf(buf + used, cap - used, "%s\t%.6e\t%.6e\t%s\t%s\n", b[i].key, b[i].time,
		                         b[i].default_time, spec, against);
	}
	int rc = write_file_atomic(path, buf, used, e);
	free(buf);
	return rc;
}

int tunedb_read_best(const char *path, const char *cpu, const char *features, struct tune_best **out,
                     struct error *e)
{
	*out = NULL;
	char *text;
	int got = tunedb_read_text(path, &text, e);
	if (got <= 0)
		return got;
	char sig[17], want[32];
	tune_cpu_signature(cpu, features, sig);
	snprintf(want, sizeof want, ";cpu=%s", sig);
	int n = 0, cap = 0;
	for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (*p == '#' || !*p)
			continue;
		struct tune_best b;
		memset(&b, 0, sizeof b);
		char *f[5];
		int nf = 0;
		for (char *t = p; nf < 5 && t; nf++) {
			f[nf] = t;
			t = strchr(t, '\t');
			if (t)
				*t++ = 0;
		}
		if (nf != 5 || !strstr(f[0], want) || strlen(f[0]) >= sizeof b.key)
			continue;
		int32_t m, k, nn;
		if (tune_parse_shape_key(f[0], &m, &k, &nn) < 0 || spec_parse(f[3], &b.spec, NULL) < 0 ||
		    spec_parse(f[4], &b.against, NULL) < 0 || b.spec.m != m || b.spec.k != k || b.spec.n != nn)
			continue;
		snprintf(b.key, sizeof b.key, "%s", f[0]);
		b.time = strtod(f[1], NULL);
		b.default_time = strtod(f[2], NULL);
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			*out = xrealloc(*out, (size_t)cap * sizeof **out);
		}
		(*out)[n++] = b;
	}
	free(text);
	return n;
}

int tunedb_write_derived(const struct tune_site *site, const struct tune_record *r, int n, struct tune_best **best,
                         struct error *e)
{
	if (best)
		*best = NULL;
	char path[4300];
	snprintf(path, sizeof path, "%s/best.tsv", site->dir);
	struct tune_best *b;
	int nb = tunedb_derive_best(r, n, site, &b);
	if (mkdir_p(site->dir, e) < 0 || tunedb_write_best(path, b, nb, e) < 0) {
		free(b);
		return -1;
	}
	if (best)
		*best = b;
	else
		free(b);
	return nb;
}

int tunedb_rebuild(const struct tune_site *site, struct tune_best **best, struct error *e)
{
	if (best)
		*best = NULL;
	if (!site->dir[0])
		return errorf(e, "tuning records need a cache directory (none is set)");
	char rec[4300];
	snprintf(rec, sizeof rec, "%s/records.jsonl", site->dir);
	struct tune_record *r;
	int n = tunedb_read(rec, &site->log, &r, e);
	if (n < 0)
		return -1;
	int nb = tunedb_write_derived(site, r, n, best, e);
	free(r);
	return nb;
}
