/* t_tools.c: the kernel tools of include/trit.h (gen, cache, warm, kernel, info) in a context made
 * without the environment: its own cache directory, errors as codes with a message, and
 * TRIT_ERR_UNSUPPORTED for the compiling tools in a build without LLVM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/trit.h"
#include "tests/test.h"

/* a context whose cache is dir under the test's temporary directory ("" = no cache directory) */
static trit_ctx *ctx_in(const char *dir)
{
	trit_ctx_options o;
	trit_ctx_options_default(&o);
	char path[600];
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), dir);
	o.cache_dir = dir[0] ? path : NULL;
	return trit_ctx_init(&o, NULL);
}

/* what f received, NUL-terminated (static) */
static const char *text_of(FILE *f)
{
	static char buf[1 << 16];
	rewind(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	return buf;
}

static const char *tiny_trit(void)
{
	static char path[600];
	snprintf(path, sizeof path, "%s/models/tiny.trit", getenv("TRIT_SRCDIR") ? getenv("TRIT_SRCDIR") : ".");
	return path;
}

TEST(cache_dir_is_the_contexts)
{
	trit_ctx *c = ctx_in("cdir");
	char dir[4200], want[700];
	trit_error err = {0};
	CHECK_EQ_INT(trit_cache_kernels_dir(c, dir, sizeof dir, &err), 0);
	snprintf(want, sizeof want, "%s/cdir/kernels", test_tmpdir());
	CHECK(strcmp(dir, want) == 0);
	trit_ctx_finish(c);
	c = ctx_in("");
	CHECK_EQ_INT(trit_cache_kernels_dir(c, dir, sizeof dir, &err), TRIT_ERR_ARG);
	CHECK_EQ_INT(trit_cache_list(c, stdout, NULL, &err), TRIT_ERR_ARG);
	CHECK(strstr(err.msg, "no cache directory") != NULL);
	trit_ctx_finish(c);
}

TEST(warm_fills_the_contexts_cache_then_list_and_clear)
{
	trit_ctx *c = ctx_in("warm");
	trit_cache_warm_options o;
	trit_cache_warm_options_default(&o);
	o.model = tiny_trit();
	trit_error err = {0};
	FILE *f = tmpfile();
	int rc = trit_cache_warm(c, &o, f, &err);
	if (!trit_can_compile()) {
		CHECK_EQ_INT(rc, TRIT_ERR_UNSUPPORTED);
		CHECK(strstr(err.msg, "without LLVM") != NULL);
		fclose(f);
		trit_ctx_finish(c);
		return;
	}
	CHECKF(rc == 0, "%s", err.msg);
	int compiled = -1, cached = -1;
	CHECK(sscanf(text_of(f), "compiled %d, cached %d", &compiled, &cached) == 2);
	CHECK(compiled > 0 && cached == 0);
	/* a second warm in the same context compiles nothing and finds nothing new on disk either */
	rewind(f);
	CHECKF(trit_cache_warm(c, &o, f, &err) == 0, "%s", err.msg);
	CHECK(strncmp(text_of(f), "compiled 0, cached 0 ", 21) == 0);
	fclose(f);
	trit_ctx_finish(c);
	/* a new context finds every kernel in the cache */
	c = ctx_in("warm");
	f = tmpfile();
	CHECKF(trit_cache_warm(c, &o, f, &err) == 0, "%s", err.msg);
	char want[64];
	snprintf(want, sizeof want, "compiled 0, cached %d ", compiled);
	CHECK(strncmp(text_of(f), want, strlen(want)) == 0);
	rewind(f);
	int bad = -1;
	CHECK_EQ_INT(trit_cache_list(c, f, &bad, &err), compiled);
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(trit_cache_clear(c, &err), compiled);
	CHECK_EQ_INT(trit_cache_list(c, f, &bad, &err), 0);
	fclose(f);
	trit_ctx_finish(c);
}

TEST(gen_writes_ir_or_refuses_without_llvm)
{
	trit_ctx *c = ctx_in("");
	trit_gen_options o;
	trit_gen_options_default(&o);
	o.spec = "i2s m=256 k=256 isa=scalar";
	trit_error err = {0};
	FILE *f = tmpfile();
	int rc = trit_gen(c, &o, f, &err);
	if (trit_can_compile()) {
		CHECKF(rc == 0, "%s", err.msg);
		CHECK(strncmp(text_of(f), "; kernel i2s m=256 k=256 n=1 isa=scalar", 39) == 0);
		CHECK(strstr(text_of(f), "define void @trit_k_") != NULL);
		o.emit = "obj";
		CHECK_EQ_INT(trit_gen(c, &o, f, &err), TRIT_ERR_ARG);
		CHECK(strstr(err.msg, "ll or asm") != NULL);
	} else {
		CHECK_EQ_INT(rc, TRIT_ERR_UNSUPPORTED);
	}
	fclose(f);
	trit_ctx_finish(c);
}

TEST(kernel_and_info_fail_with_a_code_naming_the_file)
{
	trit_ctx *c = ctx_in("");
	trit_error err = {0};
	trit_kernel_options o;
	trit_kernel_options_default(&o);
	o.spec = "i2s m=96 k=256 n=1";
	o.weights = "/nonexistent/W.bin";
	o.activations = "/nonexistent/X.bin";
	CHECK_EQ_INT(trit_kernel_run(c, &o, stdout, &err), trit_can_compile() ? TRIT_ERR_IO : TRIT_ERR_UNSUPPORTED);
	if (trit_can_compile())
		CHECK(strstr(err.msg, "/nonexistent/W.bin") != NULL);
	CHECK_EQ_INT(trit_info(c, "/nonexistent/m.gguf", stdout, &err), TRIT_ERR_IO);
	CHECK(strstr(err.msg, "/nonexistent/m.gguf") != NULL);
	trit_ctx_finish(c);
}
