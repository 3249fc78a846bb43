/* t_jit: JIT'd kernels equal the scalar reference; the disk cache is hit after a miss, and a
 * truncated, corrupted or mismatched cache file is detected, warned about once, rebuilt and
 * still gives correct results; an ISA the CPU lacks is refused before LLVM sees it; libffi calls
 * through the IR's signature. requires: llvm */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Core.h>

#include "base/rng.h"
#include "gen/gen.h"
#include "kernel/kernel.h"
#include "jit/cache.h"
#include "jit/ffi_call.h"
#include "jit/jit.h"
#include "kernel/model_specs.h"
#include "tests/test.h"

static char cache_dir[512];

static void use_cache(const char *name)
{
	snprintf(cache_dir, sizeof(cache_dir), "%s/%s", test_tmpdir(), name);
}

static void log_stderr(void *user, int level, const char *msg)
{
	(void)user, (void)level;
	fprintf(stderr, "trit: %s\n", msg);
}

/* a JIT on this CPU (or c) with the cache use_cache named, its warnings on stderr */
static struct jit *new_jit_on(const struct cpu_info *c, struct error *e)
{
	struct jit_config jc = {.cache_dir = cache_dir, .cpu = c, .log = {log_stderr, NULL}};
	return jit_create(&jc, e);
}

static struct jit *new_jit(struct error *e) { return new_jit_on(cpu_host(), e); }

static struct kernel_spec spec_of(const char *text)
{
	struct kernel_spec s;
	struct error e;
	memset(&s, 0, sizeof(s));
	if (spec_from_text(text, -1, cpu_host(), &s, &e) < 0)
		test_fail(__FILE__, __LINE__, "%s: %s", text, e.msg);
	return s;
}

/* runs fn (through a plain call or libffi when sig is given) and ref_kernel on the same random
 * data for tokens n and rows [row0, row1); returns 1 when every output is equal */
static int matches_ref(const struct kernel_spec *s, kernel_fn fn, struct ffi_sig *sig, int n, int row0,
                       int row1, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	size_t mk = (size_t)s->m * (size_t)s->k;
	int8_t *t = xmalloc(mk), *x = xmalloc((size_t)n * (size_t)s->k);
	for (size_t i = 0; i < mk; i++)
		t[i] = (int8_t)((int)rng_below(&r, 3) - 1);
	for (size_t i = 0; i < (size_t)n * (size_t)s->k; i++)
		x[i] = (int8_t)((int)rng_below(&r, 255) - 127);
	uint8_t *w = xaligned_alloc(64, pack_size(s) + 64);
	pack_weights(s, t, w);
	size_t ny = (size_t)n * (size_t)s->m;
	int32_t *y = xmalloc(ny * 4), *yr = xmalloc(ny * 4);
	memset(y, 0x5a, ny * 4); /* rows outside [row0, row1) must stay untouched */
	memset(yr, 0x5a, ny * 4);
	size_t ss = kernel_scratch_size(s) + 64;
	struct kernel_args a = {w, x, y, s->k, s->m, n, row0, row1, xaligned_alloc(64, ss)};
	struct kernel_args ar = a;
	ar.y = yr;
	ar.scratch = xaligned_alloc(64, ss);
	if (sig) {
		const struct kernel_args *ap = &a;
		void *args[1] = {&ap};
		ffi_sig_call(sig, (void *)(uintptr_t)fn, args, NULL);
	} else {
		fn(&a);
	}
	ref_kernel(s, &ar);
	int same = memcmp(y, yr, ny * 4) == 0;
	free(a.scratch);
	free(ar.scratch);
	free(t);
	free(x);
	free(w);
	free(y);
	free(yr);
	return same;
}

TEST(jit_kernels_equal_reference)
{
	use_cache("ref");
	struct error e;
	struct jit *j = new_jit(&e);
	CHECKF(j != NULL, "%s", e.msg);
	if (!j)
		return;
	static const char *shapes[] = {"m=256 k=256 n=1", "m=96 k=384 n=4", "m=160 k=512 n=3"};
	static const char *kinds[] = {"i2s", "tl1", "tl2"};
	static const enum isa isas[] = {ISA_AVX2, ISA_AVXVNNI, ISA_AVX512VNNI};
	int checked = 0;
	for (size_t ki = 0; ki < COUNTOF(kinds); ki++)
		for (size_t ii = 0; ii < COUNTOF(isas); ii++) {
			if (!isa_available(isas[ii], cpu_host()))
				continue;
			for (size_t si = 0; si < COUNTOF(shapes); si++) {
				char text[128];
				snprintf(text, sizeof(text), "%s %s isa=%s", kinds[ki], shapes[si], isa_name(isas[ii]));
				struct kernel_spec s;
				memset(&s, 0, sizeof(s));
				if (spec_from_text(text, -1, cpu_host(), &s, &e) < 0)
					continue; /* this kind cannot take the shape */
				kernel_fn fn = jit_kernel(j, &s, &e);
				CHECKF(fn != NULL, "%s: %s", text, e.msg);
				if (!fn)
					continue;
				CHECKF(matches_ref(&s, fn, NULL, s.n, 0, s.m, 1 + si), "%s differs from ref_kernel", text);
				if (s.n > 1)
					CHECKF(matches_ref(&s, fn, NULL, s.n - 1, 0, s.m, 7), "%s with n-1 tokens", text);
				if (s.m > s.bm && s.m % s.bm == 0)
					CHECKF(matches_ref(&s, fn, NULL, s.n, s.bm, s.m, 9), "%s rows [bm, m)", text);
				checked++;
			}
		}
	CHECKF(checked >= 3, "only %d kernels were checked", checked);
	jit_destroy(j);
}

TEST(second_jit_hits_the_disk_cache)
{
	use_cache("hit");
	struct error e;
	struct kernel_spec s = spec_of("i2s m=128 k=256 n=1");
	int compiled, hits;
	struct jit *j = new_jit(&e);
	kernel_fn f1 = jit_kernel(j, &s, &e);
	CHECKF(f1 != NULL, "%s", e.msg);
	CHECK(jit_kernel(j, &s, &e) == f1); /* the in-memory table */
	jit_stats(j, &compiled, &hits, NULL);
	CHECK_EQ_INT(compiled, 1);
	CHECK_EQ_INT(hits, 0);
	jit_destroy(j);

	j = new_jit(&e);
	kernel_fn f2 = jit_kernel(j, &s, &e);
	CHECKF(f2 != NULL, "%s", e.msg);
	jit_stats(j, &compiled, &hits, NULL);
	CHECK_EQ_INT(compiled, 0);
	CHECK_EQ_INT(hits, 1);
	if (f2)
		CHECK(matches_ref(&s, f2, NULL, 1, 0, s.m, 3));
	jit_destroy(j);
}

enum damage { TRUNCATE, FLIP_BODY, WRONG_KEY };

static void damage_file(const char *path, enum damage d)
{
	if (d == TRUNCATE) {
		CHECK(truncate(path, 200) == 0);
		return;
	}
	FILE *f = fopen(path, "r+b");
	CHECK(f != NULL);
	if (!f)
		return;
	fseek(f, d == FLIP_BODY ? -100 : 17, d == FLIP_BODY ? SEEK_END : SEEK_SET);
	int c = fgetc(f);
	fseek(f, d == FLIP_BODY ? -100 : 17, d == FLIP_BODY ? SEEK_END : SEEK_SET);
	fputc(c ^ 0x10, f);
	fclose(f);
}

/* counts the lines a function writes to stderr */
static int stderr_lines_of(kernel_fn (*fn)(struct jit *, const struct kernel_spec *, struct error *),
                           struct jit *j, const struct kernel_spec *s, kernel_fn *out)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/stderr.txt", test_tmpdir());
	fflush(stderr);
	int saved = dup(2), fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	dup2(fd, 2);
	close(fd);
	struct error e;
	*out = fn(j, s, &e);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	size_t len;
	char *text = read_file(path, &len, &e);
	int lines = 0;
	for (size_t i = 0; text && i < len; i++)
		lines += text[i] == '\n';
	if (text && lines)
		CHECKF(strstr(text, "invalid") != NULL, "unexpected warning: %s", text);
	free(text);
	return lines;
}

static void corrupt_and_rebuild(const char *name, enum damage d)
{
	use_cache(name);
	struct error e;
	struct kernel_spec s = spec_of("i2s m=256 k=512 n=2");
	struct jit *j = new_jit(&e);
	CHECKF(jit_kernel(j, &s, &e) != NULL, "%s", e.msg);
	char path[1024];
	jit_cache_path(j, &s, path, sizeof(path));
	jit_destroy(j);
	CHECKF(access(path, F_OK) == 0, "no cache file %s", path);
	damage_file(path, d);

	j = new_jit(&e);
	kernel_fn fn;
	CHECK_EQ_INT(stderr_lines_of(jit_kernel, j, &s, &fn), 1); /* detected and reported once */
	int compiled, hits;
	jit_stats(j, &compiled, &hits, NULL);
	CHECK_EQ_INT(compiled, 1); /* rebuilt */
	CHECK(fn && matches_ref(&s, fn, NULL, 2, 0, s.m, 5));
	jit_destroy(j);

	/* the rebuilt file is valid: the next process hits it, silently */
	j = new_jit(&e);
	CHECK_EQ_INT(stderr_lines_of(jit_kernel, j, &s, &fn), 0);
	jit_stats(j, &compiled, &hits, NULL);
	CHECK_EQ_INT(compiled, 0);
	CHECK_EQ_INT(hits, 1);
	CHECK(fn && matches_ref(&s, fn, NULL, 2, 0, s.m, 6));
	jit_destroy(j);
}

TEST(truncated_cache_file_is_rebuilt) { corrupt_and_rebuild("trunc", TRUNCATE); }
TEST(flipped_body_byte_is_rebuilt) { corrupt_and_rebuild("flip", FLIP_BODY); }
TEST(wrong_key_in_header_is_rebuilt) { corrupt_and_rebuild("key", WRONG_KEY); }

TEST(unavailable_isa_is_refused_before_llvm)
{
	use_cache("refuse");
	struct error e;
	struct cpu_info c = *cpu_host();
	c.avx512vnni = 0;
	struct jit *j = new_jit_on(&c, &e);
	struct kernel_spec s = spec_of("i2s m=256 k=256 n=1 isa=avx512vnni");
	e.msg[0] = 0;
	CHECK(jit_kernel(j, &s, &e) == NULL);
	CHECKF(strstr(e.msg, "kernel needs avx512vnni, which this CPU lacks") != NULL, "got: %s", e.msg);
	char path[1024];
	jit_cache_path(j, &s, path, sizeof(path));
	CHECK(access(path, F_OK) != 0); /* nothing was compiled */
	int compiled;
	jit_stats(j, &compiled, NULL, NULL);
	CHECK_EQ_INT(compiled, 0);
	/* an illegal spec is refused too, with the legality message */
	s = spec_of("i2s m=256 k=256 n=1 isa=avx2");
	s.k = 100;
	CHECK(jit_kernel(j, &s, &e) == NULL);
	CHECKF(strstr(e.msg, "k") != NULL, "got: %s", e.msg);
	jit_destroy(j);
}

TEST(ffi_call_through_the_ir_signature)
{
	use_cache("ffi");
	struct error e;
	struct kernel_spec s = spec_of("i2s m=64 k=256 n=2 isa=avx2");
	struct jit *j = new_jit(&e);
	kernel_fn fn = jit_kernel(j, &s, &e);
	CHECKF(fn != NULL, "%s", e.msg);
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef m = LLVMModuleCreateWithNameInContext("sig", ctx);
	CHECKF(gen_emit(m, &s, "k", &e) == 0, "%s", e.msg);
	struct ffi_sig *sig = ffi_sig_from_function(LLVMGetNamedFunction(m, "k"), &e);
	CHECKF(sig != NULL, "%s", e.msg);
	if (sig && fn) {
		CHECK_EQ_INT(ffi_sig_nargs(sig), 1);
		CHECK(matches_ref(&s, fn, sig, 2, 0, s.m, 11));
	}
	ffi_sig_free(sig);
	/* a signature libffi cannot express is refused with a message */
	LLVMTypeRef v4 = LLVMVectorType(LLVMInt32TypeInContext(ctx), 4);
	LLVMValueRef bad = LLVMAddFunction(m, "bad", LLVMFunctionType(v4, &v4, 1, 0));
	CHECK(ffi_sig_from_function(bad, &e) == NULL);
	CHECK(strstr(e.msg, "libffi") != NULL);
	LLVMDisposeModule(m);
	LLVMContextDispose(ctx);
	jit_destroy(j);
}
