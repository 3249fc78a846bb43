/* tunedb.c: tuning records (JSON lines), the derived best-per-key table, and the runtime lookup. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* ---- JSON writing ---- */

struct out {
	char *p;
	size_t len, used;
	int overflow;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->used < o->len ? o->len - o->used : 0;
	int w = vsnprintf(o->p + o->used, room, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= room)
		o->overflow = 1;
	else
		o->used += (size_t)w;
}

static void put_str(struct out *o, const char *s)
{
	put(o, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			put(o, "\\%c", *p);
		else if (*p < 0x20)
			put(o, "\\u%04x", *p);
		else
			put(o, "%c", *p);
	}
	put(o, "\"");
}

/* a positive time, else null */
static void put_time(struct out *o, double t)
{
	if (t > 0)
		put(o, "%.6e", t);
	else
		put(o, "null");
}

/* ,"name":[t0,t1,...] for the first n of t */
static void put_times(struct out *o, const char *name, const double *t, int n)
{
	put(o, ",\"%s\":[", name);
	for (int i = 0; i < n && i < TUNE_MAX_REPS; i++)
		put(o, "%s%.6e", i ? "," : "", t[i]);
	put(o, "]");
}

int tune_record_format(const struct tune_record *r, char *buf, size_t len)
{
	struct out o = {buf, len, 0, 0};
	put(&o, "{\"key\":");
	put_str(&o, r->key);
	put(&o, ",\"config\":");
	put_str(&o, r->config);
	put(&o, ",\"time\":");
	if (r->error[0])
		put(&o, "null");
	else
		put(&o, "%.6e", r->time);
	put_times(&o, "times", r->reps, r->nreps);
	put(&o, ",\"method\":");
	put_str(&o, r->method);
	put(&o, ",\"l2\":");
	put_time(&o, r->l2);
	put(&o, ",\"dram\":");
	put_time(&o, r->dram);
	put_times(&o, "dram_times", r->dram_reps, r->ndram);
	put(&o, ",\"vs\":");
	put_str(&o, r->vs);
	put(&o, ",\"vs_l2\":");
	put_time(&o, r->vs_l2);
	put(&o, ",\"vs_dram\":");
	put_time(&o, r->vs_dram);
	put(&o, ",\"error\":");
	if (r->error[0])
		put_str(&o, r->error);
	else
		put(&o, "null");
	static const char *names[] = {"cpu", "features", "trit", "llvm", "date"};
	const char *vals[] = {r->cpu, r->features, r->trit, r->llvm, r->date};
	for (int i = 0; i < 5; i++) {
		put(&o, ",\"%s\":", names[i]);
		put_str(&o, vals[i]);
	}
	put(&o, "}\n");
	return o.overflow ? -1 : 0;
}

/* ---- JSON reading: one flat object of strings, numbers, null and arrays of numbers ---- */

struct in {
	const char *p;
};

static void skip_ws(struct in *in)
{
	while (*in->p == ' ' || *in->p == '\t' || *in->p == '\r' || *in->p == '\n')
		in->p++;
}

/* a JSON string into buf (truncated to len); -1 when malformed */
static int get_str(struct in *in, char *buf, size_t len)
{
	size_t n = 0;
	if (*in->p != '"')
		return -1;
	for (in->p++;; in->p++) {
		unsigned c = (unsigned char)*in->p;
		if (c == 0 || c < 0x20)
			return -1;
		if (c == '"')
			break;
		if (c == '\\') {
			in->p++;
			switch (*in->p) {
			case '"': case '\\': case '/': c = (unsigned char)*in->p; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0;
				for (int i = 1; i <= 4; i++) {
					int h = in->p[i];
					if (!isxdigit(h))
						return -1;
					v = v * 16 + (unsigned)(isdigit(h) ? h - '0' : (tolower(h) - 'a' + 10));
				}
				in->p += 4;
				c = v < 0x80 ? v : '?'; /* the writer only escapes control characters */
				break;
			}
			default:
				return -1;
			}
		}
		if (n + 1 < len)
			buf[n++] = (char)c;
	}
	in->p++;
	if (len)
		buf[n] = 0;
	return 0;
}

static int get_num(struct in *in, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(in->p, &end);
	if (end == in->p || errno == ERANGE)
		return -1;
	in->p = end;
	return 0;
}

static int get_null(struct in *in)
{
	if (strncmp(in->p, "null", 4) != 0)
		return -1;
	in->p += 4;
	return 0;
}

/* an array of numbers into v (at most TUNE_MAX_REPS kept), its length into *n */
static int get_nums(struct in *in, double *v, int *n)
{
	*n = 0;
	if (*in->p++ != '[')
		return -1;
	skip_ws(in);
	if (*in->p == ']') {
		in->p++;
		return 0;
	}
	for (;;) {
		double x;
		skip_ws(in);
		if (get_num(in, &x) < 0)
			return -1;
		if (*n < TUNE_MAX_REPS)
			v[(*n)++] = x;
		skip_ws(in);
		if (*in->p == ']') {
			in->p++;
			return 0;
		}
		if (*in->p++ != ',')
			return -1;
	}
}

/* skips any value we do not know (strings, numbers, null, true/false, arrays of those) */
static int skip_value(struct in *in)
{
	char tmp[8];
	double d;
	skip_ws(in);
	if (*in->p == '"')
		return get_str(in, tmp, 0);
	if (!strncmp(in->p, "true", 4) || !strncmp(in->p, "null", 4)) {
		in->p += 4;
		return 0;
	}
	if (!strncmp(in->p, "false", 5)) {
		in->p += 5;
		return 0;
	}
	if (*in->p == '[') {
		in->p++;
		skip_ws(in);
		if (*in->p == ']') {
			in->p++;
			return 0;
		}
		for (;;) {
			if (skip_value(in) < 0)
				return -1;
			skip_ws(in);
			if (*in->p == ']') {
				in->p++;
				return 0;
			}
			if (*in->p++ != ',')
				return -1;
		}
	}
	return get_num(in, &d);
}

int tune_record_parse(const char *line, struct tune_record *r, struct error *e)
{
	struct in in = {line};
	enum { F_KEY = 1, F_CONFIG = 2, F_TIME = 4, F_ERROR = 8, F_CPU = 16, F_FEAT = 32 };
	int seen = 0;
	memset(r, 0, sizeof *r);
	r->time = -1;
	skip_ws(&in);
	if (*in.p++ != '{')
		return errorf(e, "expected '{'");
	skip_ws(&in);
	if (*in.p == '}')
		return errorf(e, "empty record");
	for (;;) {
		char name[32];
		skip_ws(&in);
		if (get_str(&in, name, sizeof name) < 0)
			return errorf(e, "expected a field name near column %d", (int)(in.p - line) + 1);
		skip_ws(&in);
		if (*in.p++ != ':')
			return errorf(e, "expected ':' after \"%s\"", name);
		skip_ws(&in);
		int rc = 0;
		char *dst = NULL;
		size_t dlen = 0;
		if (!strcmp(name, "key"))
			dst = r->key, dlen = sizeof r->key, seen |= F_KEY;
		else if (!strcmp(name, "config"))
			dst = r->config, dlen = sizeof r->config, seen |= F_CONFIG;
		else if (!strcmp(name, "cpu"))
			dst = r->cpu, dlen = sizeof r->cpu, seen |= F_CPU;
		else if (!strcmp(name, "features"))
			dst = r->features, dlen = sizeof r->features, seen |= F_FEAT;
		else if (!strcmp(name, "trit"))
			dst = r->trit, dlen = sizeof r->trit;
		else if (!strcmp(name, "llvm"))
			dst = r->llvm, dlen = sizeof r->llvm;
		else if (!strcmp(name, "date"))
			dst = r->date, dlen = sizeof r->date;
		else if (!strcmp(name, "method"))
			dst = r->method, dlen = sizeof r->method;
		else if (!strcmp(name, "vs"))
			dst = r->vs, dlen = sizeof r->vs;
		if (dst) {
			rc = get_str(&in, dst, dlen);
		} else if (!strcmp(name, "time")) {
			seen |= F_TIME;
			rc = *in.p == 'n' ? get_null(&in) : get_num(&in, &r->time);
		} else if (!strcmp(name, "error")) {
			seen |= F_ERROR;
			rc = *in.p == 'n' ? get_null(&in) : get_str(&in, r->error, sizeof r->error);
		} else if (!strcmp(name, "times")) {
			rc = get_nums(&in, r->reps, &r->nreps);
		} else if (!strcmp(name, "dram_times")) {
			rc = get_nums(&in, r->dram_reps, &r->ndram);
		} else if (!strcmp(name, "l2") || !strcmp(name, "dram") || !strcmp(name, "vs_l2") ||
		           !strcmp(name, "vs_dram")) {
			double *t = !strcmp(name, "l2") ? &r->l2 : !strcmp(name, "dram") ? &r->dram :
			            !strcmp(name, "vs_l2") ? &r->vs_l2 : &r->vs_dram;
			rc = *in.p == 'n' ? get_null(&in) : get_num(&in, t);
			if (!(*t > 0))
				*t = 0;
		} else {
			rc = skip_value(&in);
		}
		if (rc < 0)
			return errorf(e, "bad value of \"%s\"", name);
		skip_ws(&in);
		if (*in.p == '}')
			break;
		if (*in.p++ != ',')
			return errorf(e, "expected ',' or '}' after \"%s\"", name);
	}
	in.p++;
	skip_ws(&in);
	if (*in.p)
		return errorf(e, "text after the record");
	int need = F_KEY | F_CONFIG | F_TIME | F_ERROR | F_CPU | F_FEAT;
	if ((seen & need) != need)
		return errorf(e, "a field is missing (key, config, time, error, cpu and features are required)");
	if (!r->error[0] && !(r->time > 0))
		return errorf(e, "a record without an error needs a positive time");
	if (r->error[0])
		r->time = -1;
	return 0;
}

int tunedb_append(const char *path, const struct tune_record *r, struct error *e)
{
	char line[4096];
	if (tune_record_format(r, line + 1, sizeof line - 1) < 0)
		return errorf(e, "tuning record too long");
	char dir[4200];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir_p(dir, e) < 0)
			return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return errorf(e, "cannot open %s: %s", path, strerror(errno));
	/* a previous writer that died mid-line leaves no newline: start on a fresh line */
	struct stat st;
	char last = '\n';
	if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	const char *p = last == '\n' ? line + 1 : line;
	line[0] = '\n';
	size_t len = strlen(p);
	ssize_t w = write(fd, p, len);
	int err = errno;
	close(fd);
	if (w != (ssize_t)len)
		return errorf(e, "cannot append to %s: %s", path, w < 0 ? strerror(err) : "short write");
	return 0;
}

int tunedb_read(const char *path, struct tune_record **out, struct error *e)
{
	*out = NULL;
	size_t len;
	struct error re;
	char *text = read_file(path, &len, &re);
	if (!text) {
		if (access(path, F_OK) != 0)
			return 0;
		return errorf(e, "%s", re.msg);
	}
	int n = 0, cap = 0, bad = 0, first_bad = 0;
	struct error first_why = {{0}};
	int lineno = 0;
	for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		lineno++;
		if (strspn(p, " \t\r") == strlen(p))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = xrealloc(*out, (size_t)cap * sizeof **out);
		}
		struct error why;
		if (tune_record_parse(p, &(*out)[n], &why) < 0) {
			if (!bad++) {
				first_bad = lineno;
				first_why = why;
			}
			continue;
		}
		n++;
	}
	if (bad)
		warn("%s: skipped %d unreadable record%s (first at line %d: %s)", path, bad, bad > 1 ? "s" : "",
		     first_bad, first_why.msg);
	free(text);
	return n;
}

/* ---- best per key ---- */

int tune_default_spec(int32_t m, int32_t k, int32_t n, struct kernel_spec *s)
{
	static const enum kernel_kind order[] = {KIND_I2S, KIND_TL2, KIND_TL1};
	const struct cpu_info *c = kernel_host_cpu();
	for (size_t i = 0; i < COUNTOF(order); i++)
		if (spec_default(s, order[i], isa_best(order[i], n, c), m, k, n, c, NULL) == 0)
			return 0;
	return -1;
}

static int cmp_best(const void *a, const void *b)
{
	const struct tune_best *x = a, *y = b;
	if (x->spec.n != y->spec.n)
		return x->spec.n < y->spec.n ? -1 : 1;
	if (x->spec.m != y->spec.m)
		return x->spec.m < y->spec.m ? -1 : 1;
	if (x->spec.k != y->spec.k)
		return x->spec.k < y->spec.k ? -1 : 1;
	return strcmp(x->key, y->key);
}

double tune_score(int32_t n, double l2, double dram)
{
	double wd = n == 1 ? 0.8 : 0.2;
	return wd * dram + (1 - wd) * l2;
}

int tune_beats_default(int32_t n, double l2, double dram, double dl2, double ddram)
{
	return tune_score(n, l2, dram) <= (1 - TUNE_MARGIN) * tune_score(n, dl2, ddram) &&
	       l2 <= (1 + TUNE_SLACK) * dl2 && dram <= (1 + TUNE_SLACK) * ddram;
}

/* a record derive_best may use: this CPU, this method, measured; its shape and spec into m/k/n/s */
static int usable_record(const struct tune_record *x, const char *cpu, const char *features, int32_t *m,
                         int32_t *k, int32_t *n, struct kernel_spec *s)
{
	if (x->error[0] || strcmp(x->cpu, cpu) || strcmp(x->features, features) || strcmp(x->method, TUNE_METHOD))
		return 0;
	if (!(x->l2 > 0) || !(x->dram > 0) || !(x->time > 0))
		return 0;
	if (tune_parse_shape_key(x->key, m, k, n) < 0 || spec_parse(x->config, s, NULL) < 0)
		return 0;
	return s->m == *m && s->k == *k && s->n == *n;
}

/* per key while deriving */
struct derive_key {
	double dl2, ddram;   /* the default's fastest figures over its records */
	int have_default;
	struct kernel_spec def;
	char defcfg[256];
};

/* per (key, config) of duel records against the current default */
struct derive_cfg {
	int key;
	const char *config;
	struct kernel_spec s;
	int lost;            /* some duel did not tune_beats_default */
	double worst_ratio, worst_time, worst_vs_time;
};

int tunedb_derive_best(const struct tune_record *r, int n, const char *cpu, const char *features,
                       struct tune_best **out)
{
	int nb = 0, nc = 0;
	*out = n ? xcalloc((size_t)n, sizeof **out) : NULL;
	struct derive_key *dk = n ? xcalloc((size_t)n, sizeof *dk) : NULL;
	struct derive_cfg *dc = n ? xcalloc((size_t)n, sizeof *dc) : NULL;
	int *key_of = n ? xcalloc((size_t)n, sizeof *key_of) : NULL;
	/* pass 1: keys, the default's figures */
	for (int i = 0; i < n; i++) {
		const struct tune_record *x = &r[i];
		struct kernel_spec s;
		int32_t m, k, nn;
		key_of[i] = -1;
		if (!usable_record(x, cpu, features, &m, &k, &nn, &s))
			continue;
		int j;
		for (j = 0; j < nb && strcmp((*out)[j].key, x->key); j++)
			;
		if (j == nb) {
			memset(&(*out)[j], 0, sizeof (*out)[j]);
			snprintf((*out)[j].key, sizeof (*out)[j].key, "%s", x->key);
			(*out)[j].time = (*out)[j].default_time = -1;
			struct kernel_spec d;
			if (tune_default_spec(m, k, nn, &d) == 0) {
				dk[j].def = d;
				spec_format(&d, dk[j].defcfg, sizeof dk[j].defcfg);
			}
			nb++;
		}
		key_of[i] = j;
		struct derive_key *q = &dk[j];
		if (q->defcfg[0] && !strcmp(q->defcfg, x->config)) {
			q->dl2 = q->have_default ? MIN(q->dl2, x->l2) : x->l2;
			q->ddram = q->have_default ? MIN(q->ddram, x->dram) : x->dram;
			q->have_default = 1;
		}
	}
	/* pass 2: the duels against the current default, per candidate config */
	for (int i = 0; i < n; i++) {
		const struct tune_record *x = &r[i];
		int j = key_of[i];
		if (j < 0 || !x->vs[0] || strcmp(x->vs, dk[j].defcfg) || !(x->vs_l2 > 0) || !(x->vs_dram > 0))
			continue;
		struct kernel_spec s;
		if (spec_parse(x->config, &s, NULL) < 0)
			continue;
		int c;
		for (c = 0; c < nc && (dc[c].key != j || strcmp(dc[c].config, x->config)); c++)
			;
		if (c == nc)
			dc[nc++] = (struct derive_cfg){j, x->config, s, 0, 0, 0, 0};
		double ratio = tune_score(s.n, x->l2, x->dram) / tune_score(s.n, x->vs_l2, x->vs_dram);
		dc[c].lost |= !tune_beats_default(s.n, x->l2, x->dram, x->vs_l2, x->vs_dram);
		if (ratio > dc[c].worst_ratio) {
			dc[c].worst_ratio = ratio;
			dc[c].worst_time = tune_score(s.n, x->l2, x->dram);
			dc[c].worst_vs_time = tune_score(s.n, x->vs_l2, x->vs_dram);
		}
	}
	double *best_ratio = nb ? xcalloc((size_t)nb, sizeof *best_ratio) : NULL;
	for (int j = 0; j < nb; j++) {
		struct tune_best *b = &(*out)[j];
		best_ratio[j] = 1;
		if (dk[j].have_default) {
			b->default_time = b->time = tune_score(dk[j].def.n, dk[j].dl2, dk[j].ddram);
			b->spec = b->against = dk[j].def;
		}
	}
	for (int c = 0; c < nc; c++) {
		int j = dc[c].key;
		if (!dk[j].have_default || dc[c].lost || dc[c].worst_ratio >= best_ratio[j])
			continue;
		best_ratio[j] = dc[c].worst_ratio;
		(*out)[j].spec = dc[c].s;
		(*out)[j].time = dc[c].worst_time;
		(*out)[j].default_time = dc[c].worst_vs_time;
	}
	/* keys without a measurement of today's default: no row */
	int kept = 0;
	for (int j = 0; j < nb; j++)
		if (dk[j].have_default)
			(*out)[kept++] = (*out)[j];
	nb = kept;
	free(best_ratio);
	free(key_of);
	free(dk);
	free(dc);
	if (nb)
		qsort(*out, (size_t)nb, sizeof **out, cmp_best);
	return nb;
}

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
	size_t len;
	struct error re;
	char *text = read_file(path, &len, &re);
	if (!text) {
		if (access(path, F_OK) != 0)
			return 0;
		return errorf(e, "%s", re.msg);
	}
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

int tunedb_rebuild(struct error *e)
{
	char rec[4300], best[4300];
	snprintf(rec, sizeof rec, "%s/records.jsonl", tunedb_dir());
	snprintf(best, sizeof best, "%s/best.tsv", tunedb_dir());
	struct tune_record *r;
	int n = tunedb_read(rec, &r, e);
	if (n < 0)
		return -1;
	struct tune_best *b;
	int nb = tunedb_derive_best(r, n, tune_host_cpu(), tune_host_features(), &b);
	free(r);
	if (mkdir_p(tunedb_dir(), e) < 0 || tunedb_write_best(best, b, nb, e) < 0) {
		free(b);
		return -1;
	}
	free(b);
	tunedb_reset();
	return nb;
}

/* ---- runtime lookup ---- */

static pthread_mutex_t lookup_lock = PTHREAD_MUTEX_INITIALIZER;
static int lookup_loaded;
static struct tune_best *lookup_rows;
static int lookup_n;

static void lookup_load(void)
{
	if (lookup_loaded)
		return;
	lookup_loaded = 1;
	lookup_n = 0;
	const char *off = getenv("TRIT_NO_TUNE");
	if (off && *off && strcmp(off, "0"))
		return;
	char path[4300];
	struct error e;
	snprintf(path, sizeof path, "%s/best.tsv", tunedb_dir());
	int n = tunedb_read_best(path, tune_host_cpu(), tune_host_features(), &lookup_rows, &e);
	if (n < 0)
		warn("ignoring the tuning table: %s", e.msg);
	lookup_n = n < 0 ? 0 : n;
}

/* whether row b was judged against the spec tune_default_spec gives today (a newer trit may have
 * changed the default: then the row proves nothing against it) */
static int judged_against_today(const struct tune_best *b)
{
	struct kernel_spec d;
	char x[256], y[256];
	if (tune_default_spec(b->spec.m, b->spec.k, b->spec.n, &d) < 0)
		return 0;
	spec_format(&d, x, sizeof x);
	spec_format(&b->against, y, sizeof y);
	return !strcmp(x, y);
}

int tunedb_lookup(int32_t m, int32_t k, int32_t n, struct kernel_spec *out)
{
	int rc = -1;
	pthread_mutex_lock(&lookup_lock);
	lookup_load();
	for (int i = 0; i < lookup_n; i++) {
		const struct kernel_spec *s = &lookup_rows[i].spec;
		if (s->m == m && s->k == k && s->n == n && spec_legal(s, NULL) == 0 &&
		    isa_available(s->isa, kernel_host_cpu()) && judged_against_today(&lookup_rows[i])) {
			*out = *s;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&lookup_lock);
	return rc;
}

int tunedb_count(void)
{
	pthread_mutex_lock(&lookup_lock);
	lookup_load();
	int n = lookup_n;
	pthread_mutex_unlock(&lookup_lock);
	return n;
}

void tunedb_reset(void)
{
	pthread_mutex_lock(&lookup_lock);
	free(lookup_rows);
	lookup_rows = NULL;
	lookup_n = 0;
	lookup_loaded = 0;
	pthread_mutex_unlock(&lookup_lock);
}
