/* fuzz_gguf.c: libFuzzer target for the GGUF reader. Each input is parsed with gguf_parse; when it
 * parses, every key/value is read and the first row of every decodable tensor is decoded (and
 * ternary tensors are decoded whole), so any unchecked count or offset shows up under ASan.
 * LLVMFuzzerInitialize seeds an empty corpus directory with a valid file holding every value
 * type and one tensor of each decodable type. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/ggml_types.h"
#include "format/gguf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static volatile double sink;

static void touch_kv(const struct gguf *g, const struct gguf_kv *kv)
{
	double acc = 0;
	for (uint64_t i = 0; i < kv->count; i++) {
		if (kv->strs) {
			struct gguf_str s = gguf_arr_str(kv, i);
			for (uint64_t j = 0; j < s.len; j++)
				acc += (uint8_t)s.ptr[j];
		} else {
			acc += gguf_arr_num(kv, i);
		}
	}
	uint32_t u;
	float f;
	int b;
	char buf[16];
	acc += gguf_get_u32(g, kv->key, &u) + gguf_get_f32(g, kv->key, &f) + gguf_get_bool(g, kv->key, &b) +
	       gguf_get_str(g, kv->key, buf, sizeof(buf));
	sink = acc;
}

static void touch_tensor(const struct gguf_tensor *t)
{
	if (!ggml_type_decodable(t->type))
		return;
	int64_t rows = t->ne[1] * t->ne[2] * t->ne[3];
	float *row = malloc((size_t)t->ne[0] * sizeof(float));
	ggml_decode_row(t->type, t->data, t->ne[0], rows, 0, row);
	double acc = 0;
	for (int64_t i = 0; i < t->ne[0]; i++)
		acc += row[i];
	free(row);
	if (ggml_type_ternary(t->type)) {
		int8_t *tr = malloc((size_t)(t->ne[0] * rows));
		float alpha;
		struct error e;
		if (ternary_decode(t->type, t->data, t->nbytes, t->ne[0], rows, tr, &alpha, &e) == 0)
			acc += alpha + tr[0];
		free(tr);
	}
	sink = acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gguf g;
	struct error e;
	if (gguf_parse(&g, data, size, &e) != 0) {
		if (!e.msg[0])
			abort(); /* every error carries a message */
		return 0;
	}
	for (uint64_t i = 0; i < g.n_kv; i++)
		touch_kv(&g, &g.kv[i]);
	for (uint64_t i = 0; i < g.n_tensors; i++)
		touch_tensor(&g.tensors[i]);
	gguf_close(&g);
	return 0;
}

/* ---- the seed file ---- */

struct seed {
	uint8_t b[4096];
	size_t n;
};

static void put(struct seed *s, const void *p, size_t n)
{
	memcpy(s->b + s->n, p, n);
	s->n += n;
}
static void put_u32(struct seed *s, uint32_t v) { put(s, &v, 4); }
static void put_u64(struct seed *s, uint64_t v) { put(s, &v, 8); }
static void put_str(struct seed *s, const char *str)
{
	put_u64(s, strlen(str));
	put(s, str, strlen(str));
}
static void put_key(struct seed *s, const char *key, enum gguf_vtype t)
{
	put_str(s, key);
	put_u32(s, t);
}

static void build_seed(struct seed *s)
{
	static const struct {
		const char *name;
		uint32_t type;
		int64_t ne0, ne1;
	} tensors[] = {
		{"f32", GGML_TYPE_F32, 8, 2},     {"f16", GGML_TYPE_F16, 16, 1},   {"bf16", GGML_TYPE_BF16, 16, 1},
		{"q8_0", GGML_TYPE_Q8_0, 32, 1},  {"q4_k", GGML_TYPE_Q4_K, 256, 1}, {"q5_k", GGML_TYPE_Q5_K, 256, 1},
		{"q6_k", GGML_TYPE_Q6_K, 256, 1}, {"tq1", GGML_TYPE_TQ1_0, 256, 1}, {"tq2", GGML_TYPE_TQ2_0, 256, 1},
		{"i2s", GGML_TYPE_I2_S, 128, 2},
	};
	memset(s, 0, sizeof(*s));
	put_u32(s, 0x46554747u);
	put_u32(s, 3);
	put_u64(s, COUNTOF(tensors));
	put_u64(s, 15);
	uint8_t u8 = 7, one = 1;
	uint16_t u16 = 300;
	float f = 1e-5f;
	double d = 0.5;
	put_key(s, "a.u8", GGUF_U8), put(s, &u8, 1);
	put_key(s, "a.i8", GGUF_I8), put(s, &u8, 1);
	put_key(s, "a.u16", GGUF_U16), put(s, &u16, 2);
	put_key(s, "a.i16", GGUF_I16), put(s, &u16, 2);
	put_key(s, "a.u32", GGUF_U32), put_u32(s, 30);
	put_key(s, "a.i32", GGUF_I32), put_u32(s, (uint32_t)-3);
	put_key(s, "a.f32", GGUF_F32), put(s, &f, 4);
	put_key(s, "a.bool", GGUF_BOOL), put(s, &one, 1);
	put_key(s, "a.str", GGUF_STRING), put_str(s, "bitnet-b1.58");
	put_key(s, "a.u64", GGUF_U64), put_u64(s, 1ull << 40);
	put_key(s, "a.i64", GGUF_I64), put_u64(s, (uint64_t)-5);
	put_key(s, "a.f64", GGUF_F64), put(s, &d, 8);
	put_key(s, "a.strs", GGUF_ARRAY), put_u32(s, GGUF_STRING), put_u64(s, 2), put_str(s, "x"), put_str(s, "yz");
	put_key(s, "a.f32s", GGUF_ARRAY), put_u32(s, GGUF_F32), put_u64(s, 2), put(s, &f, 4), put(s, &f, 4);
	put_key(s, "general.alignment", GGUF_U32), put_u32(s, 32);
	uint64_t offset = 0;
	for (size_t i = 0; i < COUNTOF(tensors); i++) {
		int64_t ne[2] = {tensors[i].ne0, tensors[i].ne1};
		uint64_t nb = 0;
		ggml_tensor_nbytes(tensors[i].type, ne, 2, &nb, NULL);
		put_str(s, tensors[i].name);
		put_u32(s, 2);
		put_u64(s, (uint64_t)ne[0]);
		put_u64(s, (uint64_t)ne[1]);
		put_u32(s, tensors[i].type);
		put_u64(s, offset);
		offset += (nb + 31) / 32 * 32;
	}
	s->n = (s->n + 31) / 32 * 32;
	int8_t trits[256];
	for (int i = 0; i < 256; i++)
		trits[i] = (int8_t)(i % 3 - 1);
	float x[512];
	for (int i = 0; i < 512; i++)
		x[i] = (float)(i % 17) - 8;
	for (size_t i = 0; i < COUNTOF(tensors); i++) {
		int64_t ne[2] = {tensors[i].ne0, tensors[i].ne1};
		uint64_t nb = 0;
		ggml_tensor_nbytes(tensors[i].type, ne, 2, &nb, NULL);
		if (ggml_type_ternary(tensors[i].type))
			ternary_encode(tensors[i].type, trits, 0.5f, ne[0], ne[1], s->b + s->n);
		else
			dense_encode(tensors[i].type, x, ne[0], ne[1], s->b + s->n);
		s->n += (nb + 31) / 32 * 32;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = NULL;
	for (int i = 1; i < *argc; i++)
		if ((*argv)[i][0] != '-')
			dir = (*argv)[i];
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d)
		return 0;
	int empty = 1;
	struct dirent *ent;
	while ((ent = readdir(d)))
		if (ent->d_name[0] != '.')
			empty = 0;
	closedir(d);
	if (!empty)
		return 0;
	static struct seed s;
	build_seed(&s);
	char path[4096];
	snprintf(path, sizeof(path), "%s/seed-valid.gguf", dir);
	write_file_atomic(path, s.b, s.n, NULL);
	/* the same file truncated at its data section, and its header alone */
	snprintf(path, sizeof(path), "%s/seed-header.gguf", dir);
	write_file_atomic(path, s.b, 24, NULL);
	struct gguf g;
	if (gguf_parse(&g, s.b, s.n, NULL) != 0)
		abort(); /* the seed itself must be valid */
	gguf_close(&g);
	return 0;
}
