/* gguf.c: the strict GGUF reader. Every count, length and offset is checked against the image
 * size before it is used, so a hostile file can only produce an error message. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/ggml_types.h"
#include "format/gguf.h"

#define GGUF_MAGIC 0x46554747u
#define HEADER_BYTES 24
/* smallest possible records: key (8-byte length) + type + a 1-byte value; tensor info with a
 * 1-byte name: length + name + n_dims + one ne + type + offset */
#define MIN_KV_BYTES 14
#define MIN_TENSOR_BYTES 33
#define MIN_STRING_BYTES 8

struct cursor {
	const uint8_t *base;
	size_t size, pos;
	const char *file; /* NULL for an in-memory image */
	struct error *e;
	char what[160];   /* what is being read, for messages: "key 'x'", "tensor 'y'" */
	int verb;         /* the message continues the sentence ("tensor 'y' has ...") */
};

/* fills the error with "FILE: WHAT: message" */
__attribute__((format(printf, 2, 3))) static int fail(struct cursor *c, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *sep = !c->what[0] ? "" : c->verb ? " " : ": ";
	if (c->file)
		return errorf(c->e, "%s: %s%s%s", c->file, c->what, sep, msg);
	return errorf(c->e, "%s%s%s", c->what, sep, msg);
}

static size_t remaining(const struct cursor *c) { return c->size - c->pos; }

/* returns a pointer to the next n bytes and advances, or NULL with a truncation error */
static const uint8_t *take(struct cursor *c, uint64_t n, const char *field)
{
	if (n > remaining(c)) {
		fail(c, "file truncated: %s at byte %zu needs %llu bytes but only %zu remain", field, c->pos,
		     (unsigned long long)n, remaining(c));
		return NULL;
	}
	const uint8_t *p = c->base + c->pos;
	c->pos += (size_t)n;
	return p;
}

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static int take_u32(struct cursor *c, uint32_t *v, const char *field)
{
	const uint8_t *p = take(c, 4, field);
	if (!p)
		return -1;
	*v = le32(p);
	return 0;
}

static int take_u64(struct cursor *c, uint64_t *v, const char *field)
{
	const uint8_t *p = take(c, 8, field);
	if (!p)
		return -1;
	*v = le64(p);
	return 0;
}

static int take_str(struct cursor *c, struct gguf_str *s, const char *field)
{
	if (take_u64(c, &s->len, field) < 0)
		return -1;
	if (s->len > remaining(c))
		return fail(c, "%s length %llu at byte %zu runs past the end of the file (%zu bytes remain)", field,
			    (unsigned long long)s->len, c->pos - 8, remaining(c));
	s->ptr = (const char *)take(c, s->len, field);
	return 0;
}

/* a NUL-terminated copy of a key or tensor name, refused when empty or holding a NUL byte */
static char *take_name(struct cursor *c, const char *field)
{
	struct gguf_str s;
	if (take_str(c, &s, field) < 0)
		return NULL;
	if (s.len == 0) {
		fail(c, "empty %s", field);
		return NULL;
	}
	if (memchr(s.ptr, 0, s.len)) {
		fail(c, "%s contains a NUL byte", field);
		return NULL;
	}
	char *name = xmalloc(s.len + 1);
	memcpy(name, s.ptr, s.len);
	name[s.len] = 0;
	return name;
}

static const char *const vtype_names[GGUF_VTYPE_COUNT] = {
	"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
};

const char *gguf_vtype_name(enum gguf_vtype t)
{
	return (unsigned)t < GGUF_VTYPE_COUNT ? vtype_names[t] : "unknown";
}

size_t gguf_vtype_size(enum gguf_vtype t)
{
	switch (t) {
	case GGUF_U8: case GGUF_I8: case GGUF_BOOL: return 1;
	case GGUF_U16: case GGUF_I16: return 2;
	case GGUF_U32: case GGUF_I32: case GGUF_F32: return 4;
	case GGUF_U64: case GGUF_I64: case GGUF_F64: return 8;
	default: return 0;
	}
}

/* reads count values of scalar or string type t into kv */
static int take_values(struct cursor *c, struct gguf_kv *kv, enum gguf_vtype t, uint64_t count)
{
	if (t == GGUF_STRING) {
		if (count > remaining(c) / MIN_STRING_BYTES)
			return fail(c, "array of %llu strings cannot fit in the %zu bytes left in the file",
				    (unsigned long long)count, remaining(c));
		kv->data = c->base + c->pos;
		kv->strs = xmalloc((size_t)count * sizeof(*kv->strs));
		for (uint64_t i = 0; i < count; i++)
			if (take_str(c, &kv->strs[i], "string") < 0)
				return -1;
		return 0;
	}
	size_t size = gguf_vtype_size(t);
	if (count > remaining(c) / size)
		return fail(c, "array of %llu %s values (%llu bytes each) runs past the end of the file (%zu bytes remain)",
			    (unsigned long long)count, vtype_names[t], (unsigned long long)size, remaining(c));
	kv->data = take(c, count * size, "value");
	if (t == GGUF_BOOL)
		for (uint64_t i = 0; i < count; i++)
			if (kv->data[i] > 1)
				return fail(c, "bool value %u is neither 0 nor 1", kv->data[i]);
	return 0;
}

static int take_kv(struct cursor *c, struct gguf_kv *kv)
{
	uint32_t type;
	if (!(kv->key = take_name(c, "key")))
		return -1;
	snprintf(c->what, sizeof(c->what), "key '%.100s'", kv->key);
	if (take_u32(c, &type, "value type") < 0)
		return -1;
	if (type >= GGUF_VTYPE_COUNT)
		return fail(c, "unknown value type %u", type);
	kv->type = type;
	kv->count = 1;
	if (type != GGUF_ARRAY)
		return take_values(c, kv, type, 1);
	uint32_t at;
	if (take_u32(c, &at, "array element type") < 0 || take_u64(c, &kv->count, "array length") < 0)
		return -1;
	if (at >= GGUF_VTYPE_COUNT)
		return fail(c, "unknown array element type %u", at);
	if (at == GGUF_ARRAY)
		return fail(c, "nested arrays are not supported");
	kv->arr_type = at;
	return take_values(c, kv, at, kv->count);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* index of the first earlier name equal to names(i), or -1: an open-addressing set over indices */
struct name_set {
	uint64_t cap;
	int64_t *slot;
};

static void set_init(struct name_set *s, uint64_t n)
{
	s->cap = 16;
	while (s->cap < 2 * n)
		s->cap *= 2;
	s->slot = xmalloc((size_t)s->cap * sizeof(*s->slot));
	memset(s->slot, 0xff, (size_t)s->cap * sizeof(*s->slot));
}

/* inserts index i with name; returns 1 when an equal name was already present */
static int set_add(struct name_set *s, const char *name, int64_t i, char *const *names, size_t stride)
{
	for (uint64_t h = fnv1a(name) & (s->cap - 1);; h = (h + 1) & (s->cap - 1)) {
		if (s->slot[h] < 0) {
			s->slot[h] = i;
			return 0;
		}
		const char *other = *(char *const *)((const char *)names + (size_t)s->slot[h] * stride);
		if (strcmp(other, name) == 0)
			return 1;
	}
}

static int take_tensor_info(struct cursor *c, struct gguf_tensor *t)
{
	if (!(t->name = take_name(c, "tensor name")))
		return -1;
	snprintf(c->what, sizeof(c->what), "tensor '%.100s'", t->name);
	if (take_u32(c, &t->n_dims, "n_dims") < 0)
		return -1;
	if (t->n_dims < 1 || t->n_dims > 4)
		return fail(c, "n_dims is %u, must be 1 to 4", t->n_dims);
	for (int d = 0; d < 4; d++)
		t->ne[d] = 1;
	int64_t elements = 1;
	for (uint32_t d = 0; d < t->n_dims; d++) {
		uint64_t v;
		if (take_u64(c, &v, "dimension") < 0)
			return -1;
		if (v == 0 || v > (uint64_t)INT64_MAX)
			return fail(c, "dimension %u is %lld, must be positive", d, (long long)v);
		t->ne[d] = (int64_t)v;
		if (t->ne[d] > INT64_MAX / elements)
			return fail(c, "element count overflows (dimension %u is %lld)", d, (long long)v);
		elements *= t->ne[d];
	}
	if (take_u32(c, &t->type, "type") < 0 || take_u64(c, &t->offset, "data offset") < 0)
		return -1;
	struct error te;
	if (ggml_tensor_nbytes(t->type, t->ne, t->n_dims, &t->nbytes, &te) < 0) {
		c->verb = strncmp(te.msg, "has ", 4) == 0;
		return fail(c, "%s", te.msg);
	}
	return 0;
}

static int cmp_by_offset(const void *a, const void *b)
{
	const struct gguf_tensor *x = *(const struct gguf_tensor *const *)a, *y = *(const struct gguf_tensor *const *)b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int check_alignment(struct cursor *c, struct gguf *g)
{
	g->alignment = 32;
	const struct gguf_kv *kv = gguf_find_kv(g, "general.alignment");
	if (!kv)
		return 0;
	snprintf(c->what, sizeof(c->what), "key 'general.alignment'");
	if (kv->type != GGUF_U32)
		return fail(c, "must be a u32, found %s", vtype_names[kv->type]);
	uint32_t a = le32(kv->data);
	if (a == 0 || (a & (a - 1)))
		return fail(c, "%u is not a power of two", a);
	g->alignment = a;
	return 0;
}

/* places the tensors in the data section and checks bounds, alignment and overlaps */
static int place_tensors(struct cursor *c, struct gguf *g)
{
	uint64_t pad = (g->alignment - c->pos % g->alignment) % g->alignment;
	c->what[0] = 0;
	if (g->n_tensors == 0) {
		g->data_offset = MIN(c->pos + pad, c->size);
		return 0;
	}
	if (pad > remaining(c))
		return fail(c, "file truncated: the data section should start at byte %llu (alignment %llu) but the file has %zu bytes",
			    (unsigned long long)(c->pos + pad), (unsigned long long)g->alignment, c->size);
	g->data_offset = c->pos + pad;
	uint64_t data_size = c->size - g->data_offset;
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		struct gguf_tensor *t = &g->tensors[i];
		snprintf(c->what, sizeof(c->what), "tensor '%.100s'", t->name);
		if (t->offset % g->alignment)
			return fail(c, "data offset %llu is not a multiple of the alignment %llu",
				    (unsigned long long)t->offset, (unsigned long long)g->alignment);
		if (t->offset > data_size || t->nbytes > data_size - t->offset)
			return fail(c, "data [%llu, +%llu bytes) lies beyond the end of the file (data section holds %llu bytes)",
				    (unsigned long long)t->offset, (unsigned long long)t->nbytes, (unsigned long long)data_size);
		t->data = c->base + g->data_offset + t->offset;
	}
	struct gguf_tensor **order = xmalloc((size_t)g->n_tensors * sizeof(*order));
	for (uint64_t i = 0; i < g->n_tensors; i++)
		order[i] = &g->tensors[i];
	qsort(order, (size_t)g->n_tensors, sizeof(*order), cmp_by_offset);
	int r = 0;
	for (uint64_t i = 1; i < g->n_tensors && r == 0; i++) {
		const struct gguf_tensor *a = order[i - 1], *b = order[i];
		if (a->offset + a->nbytes > b->offset) {
			snprintf(c->what, sizeof(c->what), "tensor '%.70s'", b->name);
			r = fail(c, "data at offset %llu overlaps tensor '%.70s' [%llu, %llu)", (unsigned long long)b->offset,
				 a->name, (unsigned long long)a->offset, (unsigned long long)(a->offset + a->nbytes));
		}
	}
	free(order);
	return r;
}

static int parse(struct gguf *g, struct cursor *c)
{
	uint32_t magic;
	if (take_u32(c, &magic, "magic") < 0)
		return -1;
	if (magic != GGUF_MAGIC)
		return fail(c, "not a GGUF file (magic bytes %02x %02x %02x %02x, expected \"GGUF\")", c->base[0], c->base[1],
			    c->base[2], c->base[3]);
	if (take_u32(c, &g->version, "version") < 0)
		return -1;
	if (g->version == 0x02000000 || g->version == 0x03000000)
		return fail(c, "big-endian GGUF files are not supported (version field reads 0x%08x)", g->version);
	if (g->version != 2 && g->version != 3)
		return fail(c, "GGUF version %u is not supported (only 2 and 3)", g->version);
	if (take_u64(c, &g->n_tensors, "tensor count") < 0 || take_u64(c, &g->n_kv, "key/value count") < 0)
		return -1;
	if (g->n_kv > remaining(c) / MIN_KV_BYTES)
		return fail(c, "key/value count %llu cannot fit in a %zu-byte file", (unsigned long long)g->n_kv, c->size);
	if (g->n_tensors > (remaining(c) - g->n_kv * MIN_KV_BYTES) / MIN_TENSOR_BYTES)
		return fail(c, "tensor count %llu cannot fit in a %zu-byte file", (unsigned long long)g->n_tensors, c->size);

	g->kv = xcalloc((size_t)g->n_kv + 1, sizeof(*g->kv));
	g->tensors = xcalloc((size_t)g->n_tensors + 1, sizeof(*g->tensors));
	struct name_set set;
	set_init(&set, g->n_kv);
	int r = 0;
	for (uint64_t i = 0; i < g->n_kv && r == 0; i++) {
		snprintf(c->what, sizeof(c->what), "key/value #%llu", (unsigned long long)i);
		r = take_kv(c, &g->kv[i]);
		if (r == 0 && set_add(&set, g->kv[i].key, (int64_t)i, &g->kv[0].key, sizeof(g->kv[0])))
			r = fail(c, "duplicate key");
	}
	free(set.slot);
	if (r < 0)
		return -1;
	c->what[0] = 0;
	if (check_alignment(c, g) < 0)
		return -1;

	set_init(&set, g->n_tensors);
	for (uint64_t i = 0; i < g->n_tensors && r == 0; i++) {
		snprintf(c->what, sizeof(c->what), "tensor #%llu", (unsigned long long)i);
		r = take_tensor_info(c, &g->tensors[i]);
		if (r == 0 && set_add(&set, g->tensors[i].name, (int64_t)i, &g->tensors[0].name, sizeof(g->tensors[0])))
			r = fail(c, "duplicate tensor name");
	}
	free(set.slot);
	if (r < 0)
		return -1;
	return place_tensors(c, g);
}

/* frees what parse allocated, keeping the mapping fields */
static void free_parsed(struct gguf *g)
{
	if (g->kv)
		for (uint64_t i = 0; i < g->n_kv; i++) {
			free(g->kv[i].key);
			free(g->kv[i].strs);
		}
	if (g->tensors)
		for (uint64_t i = 0; i < g->n_tensors; i++)
			free(g->tensors[i].name);
	free(g->kv);
	free(g->tensors);
	g->kv = NULL;
	g->tensors = NULL;
}

static int parse_image(struct gguf *g, const void *buf, size_t size, const char *file, struct error *e)
{
	memset(g, 0, sizeof(*g));
	g->map = (void *)buf;
	g->size = size;
	struct cursor c = {.base = buf, .size = size, .file = file, .e = e};
	if (parse(g, &c) < 0) {
		free_parsed(g);
		memset(g, 0, sizeof(*g));
		return -1;
	}
	return 0;
}

int gguf_parse(struct gguf *g, const void *buf, size_t size, struct error *e)
{
	return parse_image(g, buf, size, NULL, e);
}

int gguf_open(struct gguf *g, const char *path, struct error *e)
{
	memset(g, 0, sizeof(*g));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errorf(e, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		return errorf(e, "%s: %s", path, strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return errorf(e, "%s: not a regular file", path);
	}
	if (st.st_size < HEADER_BYTES) {
		close(fd);
		return errorf(e, "%s: file truncated: %lld bytes is too small for a GGUF header (24 bytes)", path,
			      (long long)st.st_size);
	}
	size_t size = (size_t)st.st_size;
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	int err = errno;
	close(fd);
	if (map == MAP_FAILED)
		return errorf(e, "%s: cannot map %zu bytes: %s", path, size, strerror(err));
	if (parse_image(g, map, size, path, e) < 0) {
		munmap(map, size);
		return -1;
	}
	g->owns_map = 1;
	return 0;
}

void gguf_close(struct gguf *g)
{
	free_parsed(g);
	if (g->owns_map && g->map)
		munmap(g->map, g->size);
	memset(g, 0, sizeof(*g));
}

const struct gguf_kv *gguf_find_kv(const struct gguf *g, const char *key)
{
	for (uint64_t i = 0; i < g->n_kv; i++)
		if (strcmp(g->kv[i].key, key) == 0)
			return &g->kv[i];
	return NULL;
}

const struct gguf_tensor *gguf_find_tensor(const struct gguf *g, const char *name)
{
	for (uint64_t i = 0; i < g->n_tensors; i++)
		if (strcmp(g->tensors[i].name, name) == 0)
			return &g->tensors[i];
	return NULL;
}

/* a scalar integer value as a signed 128-bit-safe pair: returns 0 and the value, -1 when not an integer */
static int kv_int(const struct gguf_kv *kv, int *negative, uint64_t *mag)
{
	if (!kv || kv->type == GGUF_ARRAY || kv->type == GGUF_STRING || kv->type == GGUF_F32 ||
	    kv->type == GGUF_F64 || kv->type == GGUF_BOOL)
		return -1;
	const uint8_t *p = kv->data;
	int64_t s = 0;
	uint64_t u = 0;
	int is_signed = 1;
	switch (kv->type) {
	case GGUF_U8: u = p[0]; is_signed = 0; break;
	case GGUF_I8: s = (int8_t)p[0]; break;
	case GGUF_U16: u = (uint16_t)(p[0] | p[1] << 8); is_signed = 0; break;
	case GGUF_I16: s = (int16_t)(uint16_t)(p[0] | p[1] << 8); break;
	case GGUF_U32: u = le32(p); is_signed = 0; break;
	case GGUF_I32: s = (int32_t)le32(p); break;
	case GGUF_U64: u = le64(p); is_signed = 0; break;
	case GGUF_I64: s = (int64_t)le64(p); break;
	default: return -1;
	}
	*negative = is_signed && s < 0;
	*mag = is_signed ? (s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s) : u;
	return 0;
}

int gguf_get_u32(const struct gguf *g, const char *key, uint32_t *out)
{
	int neg;
	uint64_t v;
	if (kv_int(gguf_find_kv(g, key), &neg, &v) < 0 || neg || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int gguf_get_f32(const struct gguf *g, const char *key, float *out)
{
	const struct gguf_kv *kv = gguf_find_kv(g, key);
	if (!kv || kv->type == GGUF_ARRAY || kv->type == GGUF_STRING || kv->type == GGUF_BOOL)
		return -1;
	*out = (float)gguf_arr_num(kv, 0);
	return 0;
}

int gguf_get_bool(const struct gguf *g, const char *key, int *out)
{
	const struct gguf_kv *kv = gguf_find_kv(g, key);
	if (!kv || kv->type != GGUF_BOOL)
		return -1;
	*out = kv->data[0] != 0;
	return 0;
}

int gguf_get_str(const struct gguf *g, const char *key, char *buf, size_t len)
{
	const struct gguf_kv *kv = gguf_find_kv(g, key);
	if (!kv || kv->type != GGUF_STRING || len == 0)
		return -1;
	size_t n = kv->strs[0].len < len - 1 ? (size_t)kv->strs[0].len : len - 1;
	memcpy(buf, kv->strs[0].ptr, n);
	buf[n] = 0;
	return 0;
}

double gguf_arr_num(const struct gguf_kv *kv, uint64_t i)
{
	enum gguf_vtype t = kv->type == GGUF_ARRAY ? kv->arr_type : kv->type;
	if (i >= kv->count || t == GGUF_STRING)
		return 0.0;
	const uint8_t *p = kv->data + i * gguf_vtype_size(t);
	uint32_t u32 = 0;
	uint64_t u64 = 0;
	float f;
	double d;
	switch (t) {
	case GGUF_U8: case GGUF_BOOL: return p[0];
	case GGUF_I8: return (int8_t)p[0];
	case GGUF_U16: return (uint16_t)(p[0] | p[1] << 8);
	case GGUF_I16: return (int16_t)(uint16_t)(p[0] | p[1] << 8);
	case GGUF_U32: return le32(p);
	case GGUF_I32: return (int32_t)le32(p);
	case GGUF_U64: return (double)le64(p);
	case GGUF_I64: return (double)(int64_t)le64(p);
	case GGUF_F32:
		u32 = le32(p);
		memcpy(&f, &u32, 4);
		return f;
	case GGUF_F64:
		u64 = le64(p);
		memcpy(&d, &u64, 8);
		return d;
	default: return 0.0;
	}
}

struct gguf_str gguf_arr_str(const struct gguf_kv *kv, uint64_t i)
{
	struct gguf_str none = {0, ""};
	if (!kv->strs || i >= kv->count)
		return none;
	return kv->strs[i];
}
