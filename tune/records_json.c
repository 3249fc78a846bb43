/* records_json.c: one tuning record <-> one JSON line. The reader is not a general JSON parser: it
 * reads one flat object of strings, numbers, null and arrays of those (what the writer emits, and
 * unknown fields of that form, which it skips). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tune/tunedb.h"

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
