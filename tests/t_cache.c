/* t_cache: the on-disk kernel cache format: keys, round trip, and rejection of truncated,
 * corrupted and mismatched files (no LLVM needed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jit/cache.h"
#include "tests/test.h"

static const char SPEC[] = "kernel i2s m=256 k=256 n=1 isa=avx2 bm=256 bk=256 rb=4 unroll=1 prefetch=0 threads=1";

static struct cache_key key_for(const char *spec)
{
	return cache_key_of(spec, "x86_64-pc-linux-gnu", "rocketlake", "+avx2,+fma", "19.1.7", 1);
}

static void path_of(const char *dir, const struct cache_key *k, char *buf, size_t len)
{
	char hex[33];
	cache_key_hex(k, hex);
	snprintf(buf, len, "%s/%s.o", dir, hex);
}

static const char *fresh_dir(const char *name)
{
	static char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s", test_tmpdir(), name);
	return dir;
}

TEST(key_depends_on_every_input)
{
	struct cache_key a = key_for(SPEC);
	struct cache_key b = key_for(SPEC);
	CHECK(memcmp(a.b, b.b, 16) == 0);
	struct cache_key c[6] = {
		cache_key_of(SPEC, "x86_64-pc-linux-gnu", "rocketlake", "+avx2,+fma", "19.1.7", 2),
		cache_key_of(SPEC, "x86_64-pc-linux-gnu", "rocketlake", "+avx2,+fma", "19.1.6", 1),
		cache_key_of(SPEC, "x86_64-pc-linux-gnu", "rocketlake", "+avx2", "19.1.7", 1),
		cache_key_of(SPEC, "x86_64-pc-linux-gnu", "haswell", "+avx2,+fma", "19.1.7", 1),
		cache_key_of(SPEC, "aarch64-unknown-linux-gnu", "rocketlake", "+avx2,+fma", "19.1.7", 1),
		cache_key_of("kernel i2s m=256 k=256 n=2", "x86_64-pc-linux-gnu", "rocketlake", "+avx2,+fma",
		             "19.1.7", 1),
	};
	for (int i = 0; i < 6; i++)
		CHECKF(memcmp(a.b, c[i].b, 16) != 0, "variant %d has the same key", i);
	char hex[33], sym[24];
	cache_key_hex(&a, hex);
	cache_symbol_name(&a, sym);
	CHECK_EQ_INT(strlen(hex), 32);
	CHECK(strncmp(sym, "trit_k_", 7) == 0 && strncmp(sym + 7, hex, 16) == 0 && strlen(sym) == 23);
}

TEST(store_then_load_round_trips)
{
	const char *dir = fresh_dir("rt");
	struct cache_key k = key_for(SPEC);
	struct error e;
	char body[1000];
	for (int i = 0; i < 1000; i++)
		body[i] = (char)(i * 7);
	void *got = NULL;
	size_t len = 0;
	CHECK_EQ_INT(cache_load(dir, &k, SPEC, NULL, &got, &len), 0); /* miss: no directory yet */
	CHECKF(cache_store(dir, &k, SPEC, body, sizeof(body), &e) == 0, "%s", e.msg);
	CHECK_EQ_INT(cache_load(dir, &k, SPEC, NULL, &got, &len), 1);
	CHECK_EQ_INT(len, sizeof(body));
	CHECK(got && memcmp(got, body, sizeof(body)) == 0);
	free(got);
	/* the same key asked for with another spec text is not a hit */
	CHECK_EQ_INT(cache_load(dir, &k, "kernel i2s m=1", NULL, &got, &len), 0);
}

/* writes a valid entry, damages it with fn, and checks the load misses and the listing flags it */
static void damaged(const char *name, void (*damage)(const char *path, const char *dir))
{
	const char *dir = fresh_dir(name);
	struct cache_key k = key_for(SPEC);
	struct error e;
	char body[300] = "object bytes";
	CHECK(cache_store(dir, &k, SPEC, body, sizeof(body), &e) == 0);
	char path[600];
	path_of(dir, &k, path, sizeof(path));
	damage(path, dir);
	void *got = NULL;
	size_t len = 0;
	CHECK_EQ_INT(cache_load(dir, &k, SPEC, NULL, &got, &len), 0);
	CHECK(got == NULL);
	/* storing again repairs it */
	CHECK(cache_store(dir, &k, SPEC, body, sizeof(body), &e) == 0);
	CHECK_EQ_INT(cache_load(dir, &k, SPEC, NULL, &got, &len), 1);
	free(got);
}

static void truncate_file(const char *path, const char *dir)
{
	(void)dir;
	CHECK(truncate(path, 100) == 0);
}

static void flip_body_byte(const char *path, const char *dir)
{
	(void)dir;
	FILE *f = fopen(path, "r+b");
	CHECK(f != NULL);
	if (!f)
		return;
	fseek(f, -10, SEEK_END);
	int c = fgetc(f);
	fseek(f, -10, SEEK_END);
	fputc(c ^ 0x40, f);
	fclose(f);
}

static void wrong_key(const char *path, const char *dir)
{
	(void)dir;
	FILE *f = fopen(path, "r+b");
	CHECK(f != NULL);
	if (!f)
		return;
	fseek(f, 20, SEEK_SET); /* inside the key field of the header */
	fputc(0xAA, f);
	fclose(f);
}

TEST(truncated_file_is_a_miss) { damaged("trunc", truncate_file); }
TEST(flipped_body_byte_is_a_miss) { damaged("flip", flip_body_byte); }
TEST(wrong_key_in_header_is_a_miss) { damaged("key", wrong_key); }

struct counts {
	int total, bad;
};

static void count_entry(const struct cache_entry *ce, void *arg)
{
	struct counts *c = arg;
	c->total++;
	c->bad += ce->why != NULL;
	if (!ce->why)
		CHECK(strcmp(ce->spec, SPEC) == 0 || strncmp(ce->spec, "kernel tl1", 10) == 0);
}

TEST(list_validates_and_clear_removes)
{
	const char *dir = fresh_dir("list");
	struct error e;
	struct cache_key k1 = key_for(SPEC), k2 = key_for("kernel tl1 m=32 k=64");
	CHECK(cache_store(dir, &k1, SPEC, "abc", 3, &e) == 0);
	CHECK(cache_store(dir, &k2, "kernel tl1 m=32 k=64", "defg", 4, &e) == 0);
	char path[600];
	path_of(dir, &k2, path, sizeof(path));
	truncate_file(path, dir);
	/* a stray file and a leftover temp file */
	char other[600];
	snprintf(other, sizeof(other), "%s/README", dir);
	CHECK(write_file_atomic(other, "x", 1, &e) == 0);
	path_of(dir, &k1, other, sizeof(other));
	strcat(other, ".tmp.12345");
	CHECK(write_file_atomic(other, "x", 1, &e) == 0);
	struct counts c = {0, 0};
	CHECK_EQ_INT(cache_list(dir, count_entry, &c, &e), 2);
	CHECK_EQ_INT(c.total, 2);
	CHECK_EQ_INT(c.bad, 1);
	CHECK_EQ_INT(cache_clear(dir, &e), 3); /* two entries and the temp file, not README */
	c = (struct counts){0, 0};
	CHECK_EQ_INT(cache_list(dir, count_entry, &c, &e), 0);
	snprintf(other, sizeof(other), "%s/README", dir);
	CHECK(access(other, F_OK) == 0);
}
