/* t_gguf.c: GGUF writer/reader round trips and the corrupted-file suite. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/rng.h"
#include "runtime/ggml_types.h"
#include "runtime/gguf.h"
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
