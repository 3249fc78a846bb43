/* t_gguf.c: GGUF writer/reader round trips and the corrupted-file suite. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/rng.h"
#include "format/ggml_types.h"
#include "format/gguf.h"
#include "tests/test.h"

static char *tmp_path(const char *name)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", test_tmpdir(), name);
	return p;
}

static int contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

#define CHECK_ERR(msg, needle) CHECKF(contains((msg), (needle)), "error '%s' does not mention '%s'", (msg), (needle))

TEST(roundtrip_every_kv_type)
{
	struct gguf_writer *w = gguf_writer_new();
	uint8_t u8 = 200;
	int8_t i8 = -100;
	uint16_t u16 = 60000;
	int16_t i16 = -30000;
	uint64_t u64 = 0xfedcba9876543210ull;
	int64_t i64 = -1234567890123ll;
	double f64 = 3.25e100;
	gguf_w_scalar(w, "t.u8", GGUF_U8, &u8);
	gguf_w_scalar(w, "t.i8", GGUF_I8, &i8);
	gguf_w_scalar(w, "t.u16", GGUF_U16, &u16);
	gguf_w_scalar(w, "t.i16", GGUF_I16, &i16);
	gguf_w_u32(w, "t.u32", 4000000000u);
	gguf_w_i32(w, "t.i32", -2000000000);
	gguf_w_f32(w, "t.f32", 1e-5f);
	gguf_w_bool(w, "t.bool", 1);
	gguf_w_str(w, "t.str", "bitnet-b1.58");
	gguf_w_scalar(w, "t.u64", GGUF_U64, &u64);
	gguf_w_scalar(w, "t.i64", GGUF_I64, &i64);
	gguf_w_scalar(w, "t.f64", GGUF_F64, &f64);
	const char *strs[] = {"!", "", "\xc4\xa0the", "<|eot_id|>"};
	gguf_w_arr_str(w, "t.arr_str", strs, 4);
	float fs[3] = {0.0f, -1000.0f, 2.5f};
	gguf_w_arr_f32(w, "t.arr_f32", fs, 3);
	int32_t is[5] = {1, 1, 3, -7, 2147483647};
	gguf_w_arr_i32(w, "t.arr_i32", is, 5);
	uint8_t bools[3] = {1, 0, 1};
	gguf_w_arr(w, "t.arr_bool", GGUF_BOOL, bools, 3);
	int64_t i64s[2] = {-5, 1ll << 40};
	gguf_w_arr(w, "t.arr_i64", GGUF_I64, i64s, 2);
	gguf_w_arr(w, "t.arr_empty", GGUF_U16, NULL, 0);
	gguf_w_u32(w, "t.replaced", 1);
	gguf_w_u32(w, "t.replaced", 2);
	struct error e;
	const char *path = tmp_path("kv.gguf");
	CHECKF(gguf_writer_write(w, path, &e) == 0, "%s", e.msg);
	gguf_writer_free(w);

	struct gguf g;
	if (gguf_open(&g, path, &e) != 0) {
		CHECKF(0, "%s", e.msg);
		return;
	}
	CHECK_EQ_INT(g.version, 3);
	CHECK_EQ_INT(g.n_kv, 19);
	CHECK_EQ_INT(g.n_tensors, 0);
	CHECK_EQ_INT(gguf_find_kv(&g, "t.u8")->type, GGUF_U8);
	CHECK(gguf_arr_num(gguf_find_kv(&g, "t.u8"), 0) == 200);
	CHECK(gguf_arr_num(gguf_find_kv(&g, "t.i8"), 0) == -100);
	CHECK(gguf_arr_num(gguf_find_kv(&g, "t.u16"), 0) == 60000);
	CHECK(gguf_arr_num(gguf_find_kv(&g, "t.i16"), 0) == -30000);
	CHECK(gguf_arr_num(gguf_find_kv(&g, "t.i64"), 0) == -1234567890123.0);
	CHECK(gguf_arr_num(gguf_find_kv(&g, "t.f64"), 0) == 3.25e100);
	CHECK(gguf_arr_num(gguf_find_kv(&g, "t.u64"), 0) == (double)0xfedcba9876543210ull);
	uint32_t u32;
	CHECK(gguf_get_u32(&g, "t.u32", &u32) == 0 && u32 == 4000000000u);
	CHECK(gguf_get_u32(&g, "t.u8", &u32) == 0 && u32 == 200);
	CHECK(gguf_get_u32(&g, "t.i32", &u32) == -1); /* negative does not fit */
	CHECK(gguf_get_u32(&g, "t.u64", &u32) == -1); /* too large */
	CHECK(gguf_get_u32(&g, "t.str", &u32) == -1);
	CHECK(gguf_get_u32(&g, "absent", &u32) == -1);
	CHECK(gguf_get_u32(&g, "t.replaced", &u32) == 0 && u32 == 2);
	float f;
	CHECK(gguf_get_f32(&g, "t.f32", &f) == 0 && f == 1e-5f);
	int b;
	CHECK(gguf_get_bool(&g, "t.bool", &b) == 0 && b == 1);
	char buf[64];
	CHECK(gguf_get_str(&g, "t.str", buf, sizeof(buf)) == 0 && strcmp(buf, "bitnet-b1.58") == 0);
	CHECK(gguf_get_str(&g, "t.str", buf, 7) == 0 && strcmp(buf, "bitnet") == 0);
	const struct gguf_kv *kv = gguf_find_kv(&g, "t.arr_str");
	CHECK(kv && kv->type == GGUF_ARRAY && kv->arr_type == GGUF_STRING && kv->count == 4);
	for (int i = 0; kv && i < 4; i++) {
		struct gguf_str s = gguf_arr_str(kv, (uint64_t)i);
		CHECK(s.len == strlen(strs[i]) && memcmp(s.ptr, strs[i], s.len) == 0);
	}
	kv = gguf_find_kv(&g, "t.arr_f32");
	CHECK(kv && kv->count == 3 && gguf_arr_num(kv, 1) == -1000.0 && gguf_arr_num(kv, 2) == 2.5);
	kv = gguf_find_kv(&g, "t.arr_i32");
	CHECK(kv && kv->count == 5 && gguf_arr_num(kv, 3) == -7 && gguf_arr_num(kv, 4) == 2147483647);
	kv = gguf_find_kv(&g, "t.arr_bool");
	CHECK(kv && kv->arr_type == GGUF_BOOL && gguf_arr_num(kv, 0) == 1 && gguf_arr_num(kv, 1) == 0);
	kv = gguf_find_kv(&g, "t.arr_i64");
	CHECK(kv && gguf_arr_num(kv, 0) == -5 && gguf_arr_num(kv, 1) == (double)(1ll << 40));
	kv = gguf_find_kv(&g, "t.arr_empty");
	CHECK(kv && kv->count == 0 && kv->arr_type == GGUF_U16);

	/* copying every key into a second file reproduces it byte for byte */
	w = gguf_writer_new();
	for (uint64_t i = 0; i < g.n_kv; i++)
		gguf_w_copy_kv(w, &g.kv[i]);
	const char *path2 = tmp_path("kv2.gguf");
	CHECKF(gguf_writer_write(w, path2, &e) == 0, "%s", e.msg);
	gguf_writer_free(w);
	size_t n1, n2;
	char *a = read_file(path, &n1, NULL), *c = read_file(path2, &n2, NULL);
	CHECK(a && c && n1 == n2 && memcmp(a, c, n1) == 0);
	free(a);
	free(c);
	gguf_close(&g);
}

TEST(roundtrip_tensors)
{
	struct rng r;
	rng_seed(&r, 7);
	float emb[64 * 3];
	for (int i = 0; i < 64 * 3; i++)
		emb[i] = rng_normal(&r);
	uint8_t i2s[256 * 2 / 4 + 32];
	int8_t t[512];
	for (int i = 0; i < 512; i++)
		t[i] = (int8_t)((int)rng_below(&r, 3) - 1);
	ternary_encode(GGML_TYPE_I2_S, t, 0.5f, 256, 2, i2s);
	float norm[5] = {1, 2, 3, 4, 5};

	struct gguf_writer *w = gguf_writer_new();
	gguf_w_str(w, "general.architecture", "bitnet-b1.58");
	int64_t ne_emb[2] = {64, 3}, ne_w[2] = {256, 2}, ne_n[1] = {5};
	gguf_w_tensor(w, "token_embd.weight", GGML_TYPE_F32, 2, ne_emb, emb, sizeof(emb));
	gguf_w_tensor(w, "output_norm.weight", GGML_TYPE_F32, 1, ne_n, norm, sizeof(norm));
	gguf_w_tensor(w, "blk.0.attn_q.weight", GGML_TYPE_I2_S, 2, ne_w, i2s, sizeof(i2s));
	struct error e;
	const char *path = tmp_path("t.gguf");
	CHECKF(gguf_writer_write(w, path, &e) == 0, "%s", e.msg);
	gguf_writer_free(w);

	struct gguf g;
	if (gguf_open(&g, path, &e) != 0) {
		CHECKF(0, "%s", e.msg);
		return;
	}
	CHECK_EQ_INT(g.n_tensors, 3);
	CHECK_EQ_INT(g.alignment, 32);
	CHECK_EQ_INT(g.data_offset % 32, 0);
	CHECK(strcmp(g.tensors[0].name, "token_embd.weight") == 0); /* order kept */
	CHECK(strcmp(g.tensors[2].name, "blk.0.attn_q.weight") == 0);
	const struct gguf_tensor *te = gguf_find_tensor(&g, "token_embd.weight");
	CHECK(te && te->n_dims == 2 && te->ne[0] == 64 && te->ne[1] == 3 && te->ne[2] == 1 && te->offset == 0);
	CHECK(te && te->nbytes == sizeof(emb) && memcmp(te->data, emb, sizeof(emb)) == 0);
	const struct gguf_tensor *tn = gguf_find_tensor(&g, "output_norm.weight");
	CHECK(tn && tn->offset == 768 && tn->n_dims == 1 && memcmp(tn->data, norm, sizeof(norm)) == 0);
	const struct gguf_tensor *tq = gguf_find_tensor(&g, "blk.0.attn_q.weight");
	CHECK(tq && tq->offset == 800 && tq->type == GGML_TYPE_I2_S && tq->nbytes == sizeof(i2s));
	/* padding between tensors is zero and the file ends padded */
	CHECK(tn && tq && tn->data[20] == 0 && tn->data[31] == 0);
	CHECK(g.size == g.data_offset + 800 + 160);
	int8_t back[512];
	float alpha;
	CHECK(tq && ternary_decode(tq->type, tq->data, tq->nbytes, 256, 2, back, &alpha, &e) == 0);
	CHECK(memcmp(back, t, sizeof(t)) == 0 && alpha == 0.5f);
	CHECK(gguf_find_tensor(&g, "missing") == NULL);
	gguf_close(&g);
}

TEST(write_custom_alignment)
{
	struct gguf_writer *w = gguf_writer_new();
	gguf_w_alignment(w, 64);
	float a[3] = {1, 2, 3}, b[2] = {4, 5};
	int64_t na = 3, nb = 2;
	gguf_w_tensor(w, "a", GGML_TYPE_F32, 1, &na, a, sizeof(a));
	gguf_w_tensor(w, "b", GGML_TYPE_F32, 1, &nb, b, sizeof(b));
	struct error e;
	const char *path = tmp_path("align.gguf");
	CHECKF(gguf_writer_write(w, path, &e) == 0, "%s", e.msg);
	gguf_writer_free(w);
	struct gguf g;
	CHECKF(gguf_open(&g, path, &e) == 0, "%s", e.msg);
	CHECK_EQ_INT(g.alignment, 64);
	CHECK_EQ_INT(g.data_offset % 64, 0);
	CHECK_EQ_INT(g.n_tensors == 2 ? g.tensors[1].offset : 0, 64);
	gguf_close(&g);
}

static int dir_has_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	int found = 0;
	struct dirent *ent;
	while (d && (ent = readdir(d)))
		found |= strstr(ent->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	return found;
}

TEST(write_failures_leave_nothing)
{
	struct gguf_writer *w = gguf_writer_new();
	gguf_w_u32(w, "x", 1);
	struct error e;
	char path[600];
	snprintf(path, sizeof(path), "%s/no/such/dir/x.gguf", test_tmpdir());
	CHECK(gguf_writer_write(w, path, &e) == -1);
	CHECK_ERR(e.msg, "no/such/dir/x.gguf");
	CHECK(access(path, F_OK) != 0);
	gguf_writer_free(w);

	/* a wrong byte count is reported at write time and no file appears */
	w = gguf_writer_new();
	float v[4] = {0};
	int64_t ne = 4;
	gguf_w_tensor(w, "bad.weight", GGML_TYPE_F32, 1, &ne, v, 12);
	const char *p2 = tmp_path("bad.gguf");
	CHECK(gguf_writer_write(w, p2, &e) == -1);
	CHECK_ERR(e.msg, "bad.weight");
	CHECK(access(p2, F_OK) != 0);
	gguf_writer_free(w);

	/* a tensor of a refused type */
	w = gguf_writer_new();
	int64_t ne2[2] = {256, 4};
	gguf_w_tensor(w, "tl.weight", GGML_TYPE_TL2, 2, ne2, v, 12);
	CHECK(gguf_writer_write(w, p2, &e) == -1);
	CHECK_ERR(e.msg, "tl.weight");
	CHECK_ERR(e.msg, "TL2");
	gguf_writer_free(w);

	/* writing over a directory fails and leaves no temp file */
	w = gguf_writer_new();
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/adir", test_tmpdir());
	CHECK(mkdir_p(sub, NULL) == 0);
	CHECK(gguf_writer_write(w, sub, &e) == -1);
	gguf_writer_free(w);
	CHECK(!dir_has_tmp(test_tmpdir()));
}

/* fill callbacks for write_tensor_fill: 0..n-1 as floats, or a failure on call 2 */
static int fill_count(void *ctx, void *buf, uint64_t nbytes, struct error *e)
{
	int *calls = ctx;
	if (++*calls == 2 && calls[1])
		return errorf(e, "tensor 'b': made to fail");
	float *f = buf;
	for (uint64_t i = 0; i < nbytes / 4; i++)
		f[i] = (float)i;
	return 0;
}

TEST(write_tensor_fill)
{
	/* filled tensors sit between borrowed ones, in order; a failing fill leaves no file */
	for (int failing = 0; failing < 2; failing++) {
		int calls[2] = {0, failing};
		float a[3] = {7, 8, 9};
		int64_t na = 3, nb = 5, nc = 40;
		struct gguf_writer *w = gguf_writer_new();
		gguf_w_tensor(w, "a", GGML_TYPE_F32, 1, &na, a, sizeof(a));
		gguf_w_tensor_fill(w, "b", GGML_TYPE_F32, 1, &nb, 20, fill_count, calls);
		gguf_w_tensor_fill(w, "c", GGML_TYPE_F32, 1, &nc, 160, fill_count, calls);
		struct error e;
		const char *path = tmp_path(failing ? "fill-bad.gguf" : "fill.gguf");
		int r = gguf_writer_write(w, path, &e);
		gguf_writer_free(w);
		if (failing) {
			CHECK(r == -1);
			CHECK_ERR(e.msg, "made to fail");
			CHECK(access(path, F_OK) != 0);
			CHECK(!dir_has_tmp(test_tmpdir()));
			continue;
		}
		CHECKF(r == 0, "%s", e.msg);
		CHECK_EQ_INT(calls[0], 2);
		struct gguf g;
		CHECKF(gguf_open(&g, path, &e) == 0, "%s", e.msg);
		const struct gguf_tensor *tb = gguf_find_tensor(&g, "b"), *tc = gguf_find_tensor(&g, "c");
		float want[40];
		for (int i = 0; i < 40; i++)
			want[i] = (float)i;
		CHECK(tb && tb->offset == 32 && memcmp(tb->data, want, 20) == 0);
		CHECK(tc && tc->offset == 64 && memcmp(tc->data, want, 160) == 0);
		CHECK(memcmp(gguf_find_tensor(&g, "a")->data, a, sizeof(a)) == 0);
		gguf_close(&g);
	}
}

TEST(write_large_file_fast)
{
	/* 64 MiB through the writer: it must use large writes (no assertion on time; see the log) */
	size_t n = (size_t)64 << 20;
	uint8_t *big = malloc(n);
	if (!big)
		return;
	memset(big, 0x5a, n);
	struct gguf_writer *w = gguf_writer_new();
	int64_t ne[2] = {4096, (int64_t)(n / 2 / 4096)};
	gguf_w_tensor(w, "big.weight", GGML_TYPE_F16, 2, ne, big, n);
	struct error e;
	const char *path = tmp_path("big.gguf");
	double t0 = now_seconds();
	CHECKF(gguf_writer_write(w, path, &e) == 0, "%s", e.msg);
	printf("wrote 64 MiB in %.2f s\n", now_seconds() - t0);
	gguf_writer_free(w);
	struct gguf g;
	CHECKF(gguf_open(&g, path, &e) == 0, "%s", e.msg);
	CHECK(g.n_tensors == 1 && g.tensors[0].nbytes == n && g.tensors[0].data[n - 1] == 0x5a);
	gguf_close(&g);
	unlink(path);
	free(big);
}

/* ---- the corrupted-file suite: a small valid image built byte by byte, then damaged ---- */

struct img {
	uint8_t b[1024];
	size_t n;
	/* field positions */
	size_t n_tensors, n_kv, key0_len, arr_type, arr_count, bool_val;
	size_t t_name_len[2], t_ndims[2], t_ne0[2], t_type[2], t_offset[2];
};

static void img_put(struct img *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}
static void img_u32(struct img *m, uint32_t v) { img_put(m, &v, 4); }
static void img_u64(struct img *m, uint64_t v) { img_put(m, &v, 8); }
static void img_str(struct img *m, const char *s)
{
	img_u64(m, strlen(s));
	img_put(m, s, strlen(s));
}
static void set_u32(struct img *m, size_t pos, uint32_t v) { memcpy(m->b + pos, &v, 4); }
static void set_u64(struct img *m, size_t pos, uint64_t v) { memcpy(m->b + pos, &v, 8); }

/* 4 keys, 2 tensors (F32 [8] and I2_S [128, 2]); the last tensor ends exactly at the end of the
 * file, so cutting any byte off makes the file invalid */
static void build_img(struct img *m)
{
	memset(m, 0, sizeof(*m));
	img_u32(m, 0x46554747u);
	img_u32(m, 3);
	m->n_tensors = m->n;
	img_u64(m, 2);
	m->n_kv = m->n;
	img_u64(m, 4);
	m->key0_len = m->n;
	img_str(m, "general.architecture");
	img_u32(m, GGUF_STRING);
	img_str(m, "bitnet-b1.58");
	img_str(m, "tokenizer.ggml.tokens");
	img_u32(m, GGUF_ARRAY);
	m->arr_type = m->n;
	img_u32(m, GGUF_STRING);
	m->arr_count = m->n;
	img_u64(m, 2);
	img_str(m, "a");
	img_str(m, "bc");
	img_str(m, "bitnet-b1.58.block_count");
	img_u32(m, GGUF_U32);
	img_u32(m, 1);
	img_str(m, "tokenizer.ggml.add_bos_token");
	img_u32(m, GGUF_BOOL);
	m->bool_val = m->n;
	uint8_t one = 1;
	img_put(m, &one, 1);
	const char *names[2] = {"output_norm.weight", "blk.0.attn_q.weight"};
	uint32_t types[2] = {GGML_TYPE_F32, GGML_TYPE_I2_S};
	int64_t ne[2][2] = {{8, 1}, {128, 2}};
	uint32_t dims[2] = {1, 2};
	uint64_t offs[2] = {0, 32};
	for (int t = 0; t < 2; t++) {
		m->t_name_len[t] = m->n;
		img_str(m, names[t]);
		m->t_ndims[t] = m->n;
		img_u32(m, dims[t]);
		m->t_ne0[t] = m->n;
		for (uint32_t d = 0; d < dims[t]; d++)
			img_u64(m, (uint64_t)ne[t][d]);
		m->t_type[t] = m->n;
		img_u32(m, types[t]);
		m->t_offset[t] = m->n;
		img_u64(m, offs[t]);
	}
	while (m->n % 32)
		m->b[m->n++] = 0;
	for (int i = 0; i < 8; i++) {
		float f = (float)i;
		img_put(m, &f, 4);
	}
	int8_t trits[256];
	for (int i = 0; i < 256; i++)
		trits[i] = (int8_t)(i % 3 - 1);
	ternary_encode(GGML_TYPE_I2_S, trits, 0.25f, 128, 2, m->b + m->n);
	m->n += 96;
}

/* parses exactly n bytes of a heap copy (so any over-read is caught by ASan); on success closes */
static int parse_copy(const uint8_t *p, size_t n, struct error *e)
{
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, p, n);
	struct gguf g;
	e->msg[0] = 0;
	int r = gguf_parse(&g, copy, n, e);
	if (r == 0)
		gguf_close(&g);
	free(copy);
	return r;
}

static void expect_error(struct img *m, const char *a, const char *b)
{
	struct error e;
	CHECKF(parse_copy(m->b, m->n, &e) == -1, "damaged image parsed (expected an error about %s)", a);
	CHECK_ERR(e.msg, a);
	if (b)
		CHECK_ERR(e.msg, b);
}

TEST(valid_image_matches_writer)
{
	struct img m;
	build_img(&m);
	struct error e;
	struct gguf g;
	CHECKF(gguf_parse(&g, m.b, m.n, &e) == 0, "%s", e.msg);
	CHECK_EQ_INT(g.n_kv, 4);
	CHECK_EQ_INT(g.n_tensors, 2);
	uint32_t blocks = 0;
	CHECK(gguf_get_u32(&g, "bitnet-b1.58.block_count", &blocks) == 0 && blocks == 1);
	/* the writer produces the same bytes */
	struct gguf_writer *w = gguf_writer_new();
	for (uint64_t i = 0; i < g.n_kv; i++)
		gguf_w_copy_kv(w, &g.kv[i]);
	for (uint64_t i = 0; i < g.n_tensors; i++) {
		const struct gguf_tensor *t = &g.tensors[i];
		gguf_w_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data, t->nbytes);
	}
	const char *path = tmp_path("same.gguf");
	CHECKF(gguf_writer_write(w, path, &e) == 0, "%s", e.msg);
	gguf_writer_free(w);
	size_t n;
	char *f = read_file(path, &n, NULL);
	CHECK(f && n == m.n && memcmp(f, m.b, n) == 0);
	free(f);
	gguf_close(&g);
}

TEST(truncated_at_every_byte)
{
	struct img m;
	build_img(&m);
	for (size_t len = 0; len < m.n; len++) {
		struct error e;
		if (parse_copy(m.b, len, &e) != -1) {
			CHECKF(0, "image truncated to %zu of %zu bytes parsed", len, m.n);
			return;
		}
		CHECKF(contains(e.msg, "truncated") || contains(e.msg, "beyond the end") || contains(e.msg, "past the end") ||
			       contains(e.msg, "cannot fit"),
		       "truncated to %zu: unexpected message '%s'", len, e.msg);
		if (test_failed())
			return;
	}
}

TEST(bad_header)
{
	struct img m;
	build_img(&m);
	m.b[0] = 'X';
	expect_error(&m, "not a GGUF file", NULL);
	build_img(&m);
	set_u32(&m, 4, 0x03000000);
	expect_error(&m, "big-endian GGUF files are not supported", NULL);
	set_u32(&m, 4, 1);
	expect_error(&m, "version 1", NULL);
	build_img(&m);
	set_u64(&m, m.n_kv, 1ull << 62);
	expect_error(&m, "key/value count", "cannot fit");
	build_img(&m);
	set_u64(&m, m.n_kv, UINT64_MAX);
	expect_error(&m, "key/value count", NULL);
	build_img(&m);
	set_u64(&m, m.n_tensors, 1ull << 40);
	expect_error(&m, "tensor count", "cannot fit");
	build_img(&m);
	set_u64(&m, m.n_kv, 5); /* one key more than present: the tensor infos are read as a key */
	expect_error(&m, "tensor #0", NULL);
}

TEST(bad_keys)
{
	struct img m;
	build_img(&m);
	set_u64(&m, m.key0_len, UINT64_MAX);
	expect_error(&m, "key/value #0", "length");
	build_img(&m);
	set_u64(&m, m.key0_len, 0);
	expect_error(&m, "key/value #0", "empty key");
	build_img(&m);
	set_u64(&m, m.arr_count, 1ull << 61);
	expect_error(&m, "key 'tokenizer.ggml.tokens'", "cannot fit");
	build_img(&m);
	set_u64(&m, m.arr_count, 3); /* the next key is read as a string, then garbage as a key */
	expect_error(&m, "key/value #2", "past the end");
	build_img(&m);
	set_u32(&m, m.arr_type, GGUF_U64);
	set_u64(&m, m.arr_count, UINT64_MAX / 4);
	expect_error(&m, "key 'tokenizer.ggml.tokens'", "u64");
	build_img(&m);
	set_u32(&m, m.arr_type, 13);
	expect_error(&m, "key 'tokenizer.ggml.tokens'", "unknown array element type 13");
	build_img(&m);
	set_u32(&m, m.arr_type, GGUF_ARRAY);
	expect_error(&m, "key 'tokenizer.ggml.tokens'", "nested");
	build_img(&m);
	set_u32(&m, m.key0_len + 8 + 20, 99);
	expect_error(&m, "key 'general.architecture'", "unknown value type 99");
	build_img(&m);
	m.b[m.bool_val] = 7;
	expect_error(&m, "key 'tokenizer.ggml.add_bos_token'", "bool");
	build_img(&m);
	memcpy(m.b + m.key0_len + 8 + 20 + 4 + 8 + 12 + 8, "tokenizer.ggml.token", 20);
	m.b[m.key0_len + 8 + 20 + 4 + 8 + 12 + 8 + 20] = 0; /* second key now holds a NUL byte */
	expect_error(&m, "NUL", NULL);
}

TEST(duplicate_keys_and_tensors)
{
	struct gguf_writer *w = gguf_writer_new();
	int64_t ne = 8;
	float d[8] = {0};
	gguf_w_tensor(w, "x.weight", GGML_TYPE_F32, 1, &ne, d, sizeof(d));
	gguf_w_tensor(w, "y.weight", GGML_TYPE_F32, 1, &ne, d, sizeof(d));
	const char *path = tmp_path("dup.gguf");
	struct error e;
	CHECKF(gguf_writer_write(w, path, &e) == 0, "%s", e.msg);
	gguf_writer_free(w);
	size_t n;
	uint8_t *f = (uint8_t *)read_file(path, &n, NULL);
	uint8_t *y = f ? memmem(f, n, "y.weight", 8) : NULL;
	if (y) {
		y[0] = 'x';
		CHECK(parse_copy(f, n, &e) == -1);
		CHECK_ERR(e.msg, "tensor 'x.weight'");
		CHECK_ERR(e.msg, "duplicate tensor name");
	}
	free(f);

	w = gguf_writer_new();
	gguf_w_u32(w, "a.key", 1);
	gguf_w_u32(w, "b.key", 2);
	path = tmp_path("dupkey.gguf");
	CHECKF(gguf_writer_write(w, path, &e) == 0, "%s", e.msg);
	gguf_writer_free(w);
	f = (uint8_t *)read_file(path, &n, NULL);
	uint8_t *b = f ? memmem(f, n, "b.key", 5) : NULL;
	if (b) {
		b[0] = 'a';
		CHECK(parse_copy(f, n, &e) == -1);
		CHECK_ERR(e.msg, "key 'a.key'");
		CHECK_ERR(e.msg, "duplicate key");
	}
	free(f);
}

TEST(bad_tensor_infos)
{
	struct img m;
	build_img(&m);
	set_u32(&m, m.t_ndims[1], 5);
	expect_error(&m, "tensor 'blk.0.attn_q.weight'", "n_dims is 5");
	build_img(&m);
	set_u32(&m, m.t_ndims[0], 0);
	expect_error(&m, "tensor 'output_norm.weight'", "n_dims is 0");
	build_img(&m);
	set_u64(&m, m.t_ne0[1], 0);
	expect_error(&m, "tensor 'blk.0.attn_q.weight'", "dimension 0");
	build_img(&m);
	set_u64(&m, m.t_ne0[1], (uint64_t)-128);
	expect_error(&m, "tensor 'blk.0.attn_q.weight'", "must be positive");
	build_img(&m);
	set_u64(&m, m.t_ne0[1], 1ull << 62);
	set_u64(&m, m.t_ne0[1] + 8, 1ull << 62);
	expect_error(&m, "tensor 'blk.0.attn_q.weight'", "overflows");
	build_img(&m);
	set_u64(&m, m.t_ne0[1], 100);
	expect_error(&m, "tensor 'blk.0.attn_q.weight'", "ne0 = 100");
	build_img(&m);
	set_u32(&m, m.t_type[1], 77);
	expect_error(&m, "tensor 'blk.0.attn_q.weight'", "unknown ggml type id 77");
	build_img(&m);
	set_u32(&m, m.t_type[1], GGML_TYPE_TL2);
	expect_error(&m, "tensor 'blk.0.attn_q.weight' has bitnet.cpp type TL2 (39)", "--quant-type i2_s");
	set_u32(&m, m.t_type[1], GGML_TYPE_TL1);
	expect_error(&m, "tensor 'blk.0.attn_q.weight' has bitnet.cpp type TL1 (38)", "TQ2_0");
	build_img(&m);
	set_u64(&m, m.t_offset[1], 64);
	expect_error(&m, "tensor 'blk.0.attn_q.weight'", "beyond the end");
	build_img(&m);
	set_u64(&m, m.t_offset[1], UINT64_MAX - 31);
	expect_error(&m, "tensor 'blk.0.attn_q.weight'", "beyond the end");
	build_img(&m);
	set_u64(&m, m.t_offset[1], 8);
	expect_error(&m, "tensor 'blk.0.attn_q.weight'", "not a multiple of the alignment 32");
	build_img(&m);
	set_u64(&m, m.t_offset[1], 0);
	set_u64(&m, m.t_ne0[0], 4); /* shrink tensor 0 so the file still ends on data */
	expect_error(&m, "overlaps tensor", NULL);
	build_img(&m);
	set_u64(&m, m.t_name_len[0], 0);
	expect_error(&m, "tensor #0", "empty tensor name");
}

TEST(bad_alignment_key)
{
	struct gguf_writer *w = gguf_writer_new();
	gguf_w_u32(w, "general.alignment", 64);
	const char *path = tmp_path("al.gguf");
	struct error e;
	CHECKF(gguf_writer_write(w, path, &e) == 0, "%s", e.msg);
	gguf_writer_free(w);
	size_t n;
	uint8_t *f = (uint8_t *)read_file(path, &n, NULL);
	if (!f)
		return;
	uint32_t v = 48;
	memcpy(f + n - 4 - (n - 24 - 8 - 17 - 4 - 4), &v, 4); /* the value follows key and type */
	CHECK(parse_copy(f, n, &e) == -1);
	CHECK_ERR(e.msg, "general.alignment");
	CHECK_ERR(e.msg, "48 is not a power of two");
	uint32_t ty = GGUF_I32;
	memcpy(f + 24 + 8 + 17, &ty, 4);
	CHECK(parse_copy(f, n, &e) == -1);
	CHECK_ERR(e.msg, "general.alignment");
	CHECK_ERR(e.msg, "must be a u32");
	free(f);
	/* the writer refuses a bad alignment too */
	w = gguf_writer_new();
	gguf_w_alignment(w, 48);
	CHECK(gguf_writer_write(w, path, &e) == -1);
	CHECK_ERR(e.msg, "general.alignment");
	gguf_writer_free(w);
}

TEST(errors_name_the_file)
{
	struct img m;
	build_img(&m);
	set_u32(&m, m.t_type[0], 1234);
	const char *path = tmp_path("damaged.gguf");
	struct error e;
	CHECK(write_file_atomic(path, m.b, m.n, &e) == 0);
	struct gguf g;
	CHECK(gguf_open(&g, path, &e) == -1);
	CHECK_ERR(e.msg, path);
	CHECK_ERR(e.msg, "tensor 'output_norm.weight'");
	CHECK_ERR(e.msg, "1234");
	CHECK(write_file_atomic(path, m.b, 10, &e) == 0);
	CHECK(gguf_open(&g, path, &e) == -1);
	CHECK_ERR(e.msg, path);
	CHECK_ERR(e.msg, "truncated");
	CHECK(gguf_open(&g, tmp_path("absent.gguf"), &e) == -1);
	CHECK_ERR(e.msg, "absent.gguf");
}

TEST(random_bit_flips)
{
	struct img m;
	struct rng r;
	rng_seed(&r, 2024);
	int failures = 0;
	for (int iter = 0; iter < 3000; iter++) {
		build_img(&m);
		int flips = 1 + (int)rng_below(&r, 3);
		for (int k = 0; k < flips; k++) {
			size_t pos = (size_t)rng_below(&r, m.n);
			m.b[pos] ^= (uint8_t)(1u << rng_below(&r, 8));
		}
		struct error e;
		uint8_t *copy = malloc(m.n);
		memcpy(copy, m.b, m.n);
		struct gguf g;
		e.msg[0] = 0;
		if (gguf_parse(&g, copy, m.n, &e) == 0) {
			/* whatever parsed must be usable: touch every value and decode every row */
			for (uint64_t i = 0; i < g.n_kv; i++)
				for (uint64_t j = 0; j < g.kv[i].count; j++)
					(void)(g.kv[i].strs ? (double)gguf_arr_str(&g.kv[i], j).len : gguf_arr_num(&g.kv[i], j));
			for (uint64_t i = 0; i < g.n_tensors; i++) {
				const struct gguf_tensor *t = &g.tensors[i];
				if (!ggml_type_decodable(t->type) || t->ne[0] > 4096)
					continue;
				float row[4096];
				int64_t rows = t->nbytes ? t->ne[1] * t->ne[2] * t->ne[3] : 0;
				if (rows > 0)
					ggml_decode_row(t->type, t->data, t->ne[0], rows, rows - 1, row);
			}
			gguf_close(&g);
		} else {
			failures++;
			CHECKF(e.msg[0] != 0, "bit flip %d: error without a message", iter);
		}
		free(copy);
	}
	CHECK(failures > 100); /* most header flips are caught */
}
