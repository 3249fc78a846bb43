/* gguf.h: a strict GGUF (v2/v3) reader over a read-only mmap, and a writer that writes dense,
 * aligned files through a temp file and rename(). Every count, offset and length is checked
 * against the file size before use; errors name the key or tensor. */
#ifndef TRIT_GGUF_H
#define TRIT_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

enum gguf_vtype {
	GGUF_U8, GGUF_I8, GGUF_U16, GGUF_I16, GGUF_U32, GGUF_I32, GGUF_F32, GGUF_BOOL,
	GGUF_STRING, GGUF_ARRAY, GGUF_U64, GGUF_I64, GGUF_F64, GGUF_VTYPE_COUNT
};

struct gguf_str {
	uint64_t len;
	const char *ptr; /* points into the mapping: NOT NUL-terminated */
};

struct gguf_kv {
	char *key;           /* NUL-terminated copy */
	enum gguf_vtype type;
	enum gguf_vtype arr_type; /* element type when type == GGUF_ARRAY */
	uint64_t count;      /* array length (1 for scalars) */
	const uint8_t *data; /* raw little-endian value(s) in the mapping */
	struct gguf_str *strs; /* for strings and string arrays: count entries, validated */
};

struct gguf_tensor {
	char *name;          /* NUL-terminated copy */
	uint32_t n_dims;
	int64_t ne[4];       /* ne[0] = row length (columns), unused dims are 1 */
	uint32_t type;       /* ggml type id (ggml_types.h) */
	uint64_t offset;     /* relative to the data section */
	uint64_t nbytes;
	const uint8_t *data; /* in the mapping */
};

struct gguf {
	void *map;
	size_t size;
	int owns_map;        /* 1 when gguf_open mmapped the file */
	uint32_t version;
	uint64_t n_kv, n_tensors;
	struct gguf_kv *kv;
	struct gguf_tensor *tensors;
	uint64_t alignment;
	uint64_t data_offset;
};

/* maps and parses path; on error fills e ("FILE: tensor 'x': offset ... beyond end of file") */
int gguf_open(struct gguf *g, const char *path, struct error *e);
/* parses a GGUF image already in memory (not copied; must outlive g) */
int gguf_parse(struct gguf *g, const void *buf, size_t size, struct error *e);
/* the name of a value type ("u32", "string", ...) */
const char *gguf_vtype_name(enum gguf_vtype t);
/* bytes of one scalar of value type t; 0 for strings and arrays */
size_t gguf_vtype_size(enum gguf_vtype t);
/* unmaps and frees */
void gguf_close(struct gguf *g);

/* lookups: NULL when absent */
const struct gguf_kv *gguf_find_kv(const struct gguf *g, const char *key);
const struct gguf_tensor *gguf_find_tensor(const struct gguf *g, const char *name);
/* typed getters: return 0 and set *out, or -1 when absent or of another type (any integer type
 * converts when the value fits) */
int gguf_get_u32(const struct gguf *g, const char *key, uint32_t *out);
int gguf_get_f32(const struct gguf *g, const char *key, float *out);
int gguf_get_bool(const struct gguf *g, const char *key, int *out);
/* a string value copied into buf (truncated to len-1) */
int gguf_get_str(const struct gguf *g, const char *key, char *buf, size_t len);
/* element i of an array as a number / a string view */
double gguf_arr_num(const struct gguf_kv *kv, uint64_t i);
struct gguf_str gguf_arr_str(const struct gguf_kv *kv, uint64_t i);

/* writer */
struct gguf_writer;
/* a writer with alignment 32 and no entries */
struct gguf_writer *gguf_writer_new(void);
void gguf_writer_free(struct gguf_writer *w);
void gguf_w_u32(struct gguf_writer *w, const char *key, uint32_t v);
void gguf_w_i32(struct gguf_writer *w, const char *key, int32_t v);
void gguf_w_f32(struct gguf_writer *w, const char *key, float v);
void gguf_w_bool(struct gguf_writer *w, const char *key, int v);
void gguf_w_str(struct gguf_writer *w, const char *key, const char *v);
void gguf_w_arr_str(struct gguf_writer *w, const char *key, const char *const *v, uint64_t n);
void gguf_w_arr_f32(struct gguf_writer *w, const char *key, const float *v, uint64_t n);
void gguf_w_arr_i32(struct gguf_writer *w, const char *key, const int32_t *v, uint64_t n);
/* a scalar of any numeric or bool type; value points to it in host (little-endian) form (every
 * gguf_w_ call for a key already set replaces its value) */
void gguf_w_scalar(struct gguf_writer *w, const char *key, enum gguf_vtype type, const void *value);
/* an array of n numeric or bool elements of type elem, copied from v */
void gguf_w_arr(struct gguf_writer *w, const char *key, enum gguf_vtype elem, const void *v, uint64_t n);
/* copies a key/value read from another file (any type) */
void gguf_w_copy_kv(struct gguf_writer *w, const struct gguf_kv *kv);
/* sets the data alignment (a power of two) and writes general.alignment */
void gguf_w_alignment(struct gguf_writer *w, uint32_t alignment);
/* adds a tensor; data (nbytes) is borrowed until gguf_writer_write returns */
void gguf_w_tensor(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                   const int64_t *ne, const void *data, uint64_t nbytes);
/* produces a tensor's nbytes bytes into buf while gguf_writer_write writes the file; -1 with e set
 * aborts the write */
typedef int (*gguf_fill_fn)(void *ctx, void *buf, uint64_t nbytes, struct error *e);
/* adds a tensor whose bytes fill produces at write time, one tensor in memory at a time (converting
 * a model needs no copy of the whole output); ctx is borrowed until gguf_writer_write returns */
void gguf_w_tensor_fill(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                        const int64_t *ne, uint64_t nbytes, gguf_fill_fn fill, void *ctx);
/* writes the file to path via path.tmp.PID + rename; nothing is left behind on failure */
int gguf_writer_write(struct gguf_writer *w, const char *path, struct error *e);

#endif
