/* gguf_write.c: the GGUF v3 writer. Metadata is serialized in memory as entries are added; the
 * file is written densely (tensors in the order added, each padded with zeros to the alignment)
 * into PATH.tmp.PID, which is renamed over PATH only when everything was written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/ggml_types.h"
#include "format/gguf.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the GGUF writer copies numeric arrays as they are in memory: little-endian hosts only"
#endif

struct buf {
	uint8_t *p;
	size_t len, cap;
};

struct wkv {
	char *key;
	struct buf rec; /* the whole record: key, type, value */
};

struct wtensor {
	char *name;
	uint32_t type, n_dims;
	int64_t ne[4];
	const void *data;
	uint64_t nbytes;
	gguf_fill_fn fill; /* when set, data is its ctx */
};

struct gguf_writer {
	struct wkv *kv;
	size_t n_kv, cap_kv;
	struct wtensor *t;
	size_t n_t, cap_t;
	uint32_t alignment;
	struct error err; /* the first error found while adding entries */
	int failed;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		b->cap = MAX(b->cap * 2, b->len + n + 64);
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_u32(struct buf *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(struct buf *b, uint64_t v) { put(b, &v, 8); }

static void put_str(struct buf *b, const char *s, uint64_t len)
{
	put_u64(b, len);
	put(b, s, (size_t)len);
}

struct gguf_writer *gguf_writer_new(void)
{
	struct gguf_writer *w = xcalloc(1, sizeof(*w));
	w->alignment = 32;
	return w;
}

void gguf_writer_free(struct gguf_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_kv; i++) {
		free(w->kv[i].key);
		free(w->kv[i].rec.p);
	}
	for (size_t i = 0; i < w->n_t; i++)
		free(w->t[i].name);
	free(w->kv);
	free(w->t);
	free(w);
}

/* starts the record for key (replacing an earlier value of the same key) and writes its type */
static struct buf *begin_kv(struct gguf_writer *w, const char *key, enum gguf_vtype type)
{
	struct wkv *kv = NULL;
	for (size_t i = 0; i < w->n_kv; i++)
		if (strcmp(w->kv[i].key, key) == 0) {
			kv = &w->kv[i];
			kv->rec.len = 0;
			break;
		}
	if (!kv) {
		if (w->n_kv == w->cap_kv)
			w->kv = xrealloc(w->kv, (w->cap_kv = MAX(16, w->cap_kv * 2)) * sizeof(*w->kv));
		kv = &w->kv[w->n_kv++];
		memset(kv, 0, sizeof(*kv));
		kv->key = xstrdup(key);
	}
	put_str(&kv->rec, key, strlen(key));
	put_u32(&kv->rec, type);
	return &kv->rec;
}

void gguf_w_scalar(struct gguf_writer *w, const char *key, enum gguf_vtype type, const void *value)
{
	size_t n = gguf_vtype_size(type);
	if (n == 0) {
		if (!w->failed++)
			errorf(&w->err, "key '%s': gguf_w_scalar cannot write value type %d", key, type);
		return;
	}
	put(begin_kv(w, key, type), value, n);
	if (strcmp(key, "general.alignment") == 0) {
		uint32_t a = 0;
		if (type == GGUF_U32)
			memcpy(&a, value, 4);
		if (a == 0 || (a & (a - 1))) {
			if (!w->failed++)
				errorf(&w->err, "key 'general.alignment' must be a u32 power of two");
			return;
		}
		w->alignment = a;
	}
}

void gguf_w_arr(struct gguf_writer *w, const char *key, enum gguf_vtype elem, const void *v, uint64_t n)
{
	size_t size = gguf_vtype_size(elem);
	if (size == 0) {
		if (!w->failed++)
			errorf(&w->err, "key '%s': gguf_w_arr cannot write element type %d", key, elem);
		return;
	}
	struct buf *b = begin_kv(w, key, GGUF_ARRAY);
	put_u32(b, elem);
	put_u64(b, n);
	put(b, v, (size_t)(n * size));
}

void gguf_w_u32(struct gguf_writer *w, const char *key, uint32_t v) { gguf_w_scalar(w, key, GGUF_U32, &v); }
void gguf_w_i32(struct gguf_writer *w, const char *key, int32_t v) { gguf_w_scalar(w, key, GGUF_I32, &v); }
void gguf_w_f32(struct gguf_writer *w, const char *key, float v) { gguf_w_scalar(w, key, GGUF_F32, &v); }

void gguf_w_bool(struct gguf_writer *w, const char *key, int v)
{
	uint8_t b = v != 0;
	gguf_w_scalar(w, key, GGUF_BOOL, &b);
}

void gguf_w_str(struct gguf_writer *w, const char *key, const char *v)
{
	put_str(begin_kv(w, key, GGUF_STRING), v, strlen(v));
}

void gguf_w_arr_str(struct gguf_writer *w, const char *key, const char *const *v, uint64_t n)
{
	struct buf *b = begin_kv(w, key, GGUF_ARRAY);
	put_u32(b, GGUF_STRING);
	put_u64(b, n);
	for (uint64_t i = 0; i < n; i++)
		put_str(b, v[i], strlen(v[i]));
}

void gguf_w_arr_f32(struct gguf_writer *w, const char *key, const float *v, uint64_t n) { gguf_w_arr(w, key, GGUF_F32, v, n); }
void gguf_w_arr_i32(struct gguf_writer *w, const char *key, const int32_t *v, uint64_t n) { gguf_w_arr(w, key, GGUF_I32, v, n); }

void gguf_w_copy_kv(struct gguf_writer *w, const struct gguf_kv *kv)
{
	if (kv->type != GGUF_ARRAY && kv->type != GGUF_STRING) {
		gguf_w_scalar(w, kv->key, kv->type, kv->data);
		return;
	}
	if (kv->type == GGUF_STRING) {
		put_str(begin_kv(w, kv->key, GGUF_STRING), kv->strs[0].ptr, kv->strs[0].len);
		return;
	}
	if (kv->arr_type != GGUF_STRING) {
		gguf_w_arr(w, kv->key, kv->arr_type, kv->data, kv->count);
		return;
	}
	struct buf *b = begin_kv(w, kv->key, GGUF_ARRAY);
	put_u32(b, GGUF_STRING);
	put_u64(b, kv->count);
	for (uint64_t i = 0; i < kv->count; i++)
		put_str(b, kv->strs[i].ptr, kv->strs[i].len);
}

void gguf_w_alignment(struct gguf_writer *w, uint32_t alignment) { gguf_w_u32(w, "general.alignment", alignment); }

void gguf_w_tensor(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                   const int64_t *ne, const void *data, uint64_t nbytes)
{
	gguf_w_tensor_fill(w, name, type, n_dims, ne, nbytes, NULL, (void *)data);
}

void gguf_w_tensor_fill(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                        const int64_t *ne, uint64_t nbytes, gguf_fill_fn fill, void *ctx)
{
	struct error e;
	uint64_t want;
	int bad = 0;
	if (n_dims < 1 || n_dims > 4) {
		bad = errorf(&e, "tensor '%s': n_dims %u must be 1 to 4", name, n_dims);
	} else if (ggml_tensor_nbytes(type, ne, n_dims, &want, &e) < 0) {
		char why[sizeof(e.msg)];
		memcpy(why, e.msg, sizeof(why));
		bad = errorf(&e, "tensor '%s'%s%.400s", name, strncmp(why, "has ", 4) ? ": " : " ", why);
	} else if (want != nbytes) {
		bad = errorf(&e, "tensor '%s': %llu bytes given, its type and shape need %llu", name,
			     (unsigned long long)nbytes, (unsigned long long)want);
	}
	for (size_t i = 0; i < w->n_t && !bad; i++)
		if (strcmp(w->t[i].name, name) == 0)
			bad = errorf(&e, "tensor '%s' added twice", name);
	if (bad) {
		if (!w->failed++)
			w->err = e;
		return;
	}
	if (w->n_t == w->cap_t)
		w->t = xrealloc(w->t, (w->cap_t = MAX(16, w->cap_t * 2)) * sizeof(*w->t));
	struct wtensor *t = &w->t[w->n_t++];
	t->name = xstrdup(name);
	t->type = type;
	t->n_dims = n_dims;
	for (int d = 0; d < 4; d++)
		t->ne[d] = d < (int)n_dims ? ne[d] : 1;
	t->data = ctx;
	t->nbytes = nbytes;
	t->fill = fill;
}

static uint64_t pad_to(uint64_t n, uint64_t align) { return (align - n % align) % align; }

/* writes all of p, retrying short writes; -1 with errno set on failure */
static int write_all(int fd, const void *p, uint64_t n)
{
	const uint8_t *q = p;
	while (n > 0) {
		size_t chunk = n > ((size_t)1 << 30) ? (size_t)1 << 30 : (size_t)n;
		ssize_t got = write(fd, q, chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EIO;
			return -1;
		}
		q += got;
		n -= (uint64_t)got;
	}
	return 0;
}

static int write_zeros(int fd, uint64_t n)
{
	static const uint8_t zeros[4096];
	while (n > 0) {
		uint64_t k = MIN(n, (uint64_t)sizeof(zeros));
		if (write_all(fd, zeros, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* the header, metadata, tensor infos and padding up to the data section */
static void build_header(const struct gguf_writer *w, struct buf *h)
{
	put_u32(h, 0x46554747u);
	put_u32(h, 3);
	put_u64(h, w->n_t);
	put_u64(h, w->n_kv);
	for (size_t i = 0; i < w->n_kv; i++)
		put(h, w->kv[i].rec.p, w->kv[i].rec.len);
	uint64_t offset = 0;
	for (size_t i = 0; i < w->n_t; i++) {
		const struct wtensor *t = &w->t[i];
		put_str(h, t->name, strlen(t->name));
		put_u32(h, t->n_dims);
		for (uint32_t d = 0; d < t->n_dims; d++)
			put_u64(h, (uint64_t)t->ne[d]);
		put_u32(h, t->type);
		put_u64(h, offset);
		offset += t->nbytes + pad_to(t->nbytes, w->alignment);
	}
	static const uint8_t zeros[64];
	for (uint64_t n = pad_to(h->len, w->alignment); n > 0;) {
		uint64_t k = MIN(n, (uint64_t)sizeof(zeros));
		put(h, zeros, (size_t)k);
		n -= k;
	}
}

int gguf_writer_write(struct gguf_writer *w, const char *path, struct error *e)
{
	if (w->failed)
		return errorf(e, "%s: %s", path, w->err.msg);
	size_t n = strlen(path) + 32;
	char *tmp = xmalloc(n);
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		errorf(e, "%s: cannot create %s: %s", path, tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	struct buf h = {0};
	build_header(w, &h);
	int r = write_all(fd, h.p, h.len);
	free(h.p);
	struct error fe;
	int fill_failed = 0;
	for (size_t i = 0; i < w->n_t && r == 0; i++) {
		const struct wtensor *t = &w->t[i];
		if (t->fill) {
			void *buf = xmalloc(t->nbytes ? (size_t)t->nbytes : 1);
			r = fill_failed = t->fill((void *)t->data, buf, t->nbytes, &fe);
			if (r == 0)
				r = write_all(fd, buf, t->nbytes);
			free(buf);
		} else {
			r = write_all(fd, t->data, t->nbytes);
		}
		if (r == 0)
			r = write_zeros(fd, pad_to(t->nbytes, w->alignment));
	}
	int err = errno;
	if (close(fd) != 0 && r == 0) {
		r = -1;
		err = errno;
	}
	if (r == 0 && rename(tmp, path) != 0) {
		r = -1;
		err = errno;
	}
	if (r != 0) {
		if (fill_failed)
			errorf(e, "%s", fe.msg);
		else
			errorf(e, "%s: write failed: %s", path, strerror(err));
		unlink(tmp);
	}
	free(tmp);
	return r;
}
