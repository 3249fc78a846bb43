/* t_gen_portable.c: the portable (ISA_SCALAR) tier of gen_emit: its IR uses no target
 * intrinsics, and its kernels, JIT-compiled for the host through jit/, are bit-identical to
 * ref_kernel for I2S, TL1 and TL2 over odd shapes, tile sizes, batch sizes n ∈ {1,2,3,8,17},
 * row sub-ranges, larger strides, extreme int16-tile sums, and write nothing outside their rows.
 * requires: llvm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>

#include "base/rng.h"
#include "gen/gen.h"
#include "kernel/kernel.h"
#include "jit/jit.h"
#include "tests/test.h"

static struct jit *host_jit(void)
{
	static struct jit *j;
	if (!j) {
		struct error e = {{0}};
		struct jit_config jc = {.cache_dir = test_tmpdir(), .cpu = cpu_host()};
		j = jit_create(&jc, &e);
		if (!j)
			test_fail(__FILE__, __LINE__, "jit_create: %s", e.msg);
	}
	return j;
}

static struct kernel_spec spec(enum kernel_kind kind, int32_t m, int32_t k, int32_t n, int32_t bm, int32_t bk)
{
	struct kernel_spec s = {.kind = kind, .isa = ISA_SCALAR, .m = m, .k = k, .n = n, .bm = bm, .bk = bk,
	                        .rb = kind == KIND_I2S ? 1 : 32, .unroll = 1, .prefetch = 0, .threads = 1};
	return s;
}

static kernel_fn compile(const struct kernel_spec *s)
{
	struct jit *j = host_jit();
	if (!j)
		return NULL;
	struct error e = {{0}};
	kernel_fn f = jit_kernel(j, s, &e);
	if (!f) {
		char text[256];
		spec_format(s, text, sizeof(text));
		test_fail(__FILE__, __LINE__, "jit_kernel(%s): %s", text, e.msg);
	}
	return f;
}

enum wmode { W_RANDOM, W_PLUS, W_MINUS };
enum amode { A_RANDOM, A_MAX, A_MIN };

#define SENTINEL ((int32_t)0x5a5a5a5a)

/* f against ref_kernel for n tokens on rows [row0, row1); 0 when every output (and every
 * untouched slot) is equal */
static int compare(kernel_fn f, const struct kernel_spec *s, int32_t n, int32_t row0, int32_t row1,
                   enum wmode wm, enum amode am, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	int64_t ldx = s->k + 5, ldy = s->m + 3;
	size_t mk = (size_t)s->m * s->k, nx = (size_t)(n * ldx), ny = (size_t)(n * ldy);
	int8_t *t = malloc(mk), *x = malloc(nx + 1);
	uint8_t *w = malloc(pack_size(s) + 1);
	int32_t *y = malloc(4 * ny), *yr = malloc(4 * ny);
	size_t ss = kernel_scratch_size(s);
	void *scratch = ss ? xaligned_alloc(64, ss) : NULL;
	for (size_t i = 0; i < mk; i++)
		t[i] = wm == W_PLUS ? 1 : wm == W_MINUS ? -1 : (int8_t)((int)rng_below(&r, 3) - 1);
	for (size_t i = 0; i < nx; i++)
		x[1 + i] = am == A_MAX ? 127 : am == A_MIN ? -127 : (int8_t)((int)rng_below(&r, 255) - 127);
	pack_weights(s, t, w + 1); /* odd addresses: the kernels promise no alignment */
	for (size_t i = 0; i < ny; i++)
		y[i] = yr[i] = SENTINEL;
	struct kernel_args a = {.w = w + 1, .x = x + 1, .y = y, .ldx = ldx, .ldy = ldy, .n = n,
	                        .row0 = row0, .row1 = row1, .scratch = scratch};
	f(&a);
	a.y = yr;
	ref_kernel(s, &a);
	int bad = 0;
	for (size_t i = 0; i < ny && bad < 3; i++)
		if (y[i] != yr[i]) {
			char text[256];
			spec_format(s, text, sizeof(text));
			test_fail(__FILE__, __LINE__, "%s n=%d rows [%d,%d): y[tok %zu][row %zu] = %d, ref %d", text, n,
			          row0, row1, i / (size_t)ldy, i % (size_t)ldy, y[i], yr[i]);
			bad++;
		}
	free(t);
	free(x);
	free(w);
	free(y);
	free(yr);
	free(scratch);
	return bad;
}

static const int32_t ns[] = {1, 2, 3, 8, 17};

/* kind at m×k with tiles bm/bk: every n of ns (spec.n = n, and once a call with fewer tokens),
 * the whole matrix and the row sub-ranges [bm, m) and [bm, 2bm) */
static void sweep(enum kernel_kind kind, int32_t m, int32_t k, int32_t bm, int32_t bk, uint64_t seed)
{
	for (size_t i = 0; i < COUNTOF(ns) && !test_failed(); i++) {
		struct kernel_spec s = spec(kind, m, k, ns[i], bm, bk);
		struct error e;
		if (spec_legal(&s, &e) < 0) {
			test_fail(__FILE__, __LINE__, "spec_legal: %s", e.msg);
			return;
		}
		kernel_fn f = compile(&s);
		if (!f)
			return;
		int32_t n = ns[i];
		if (compare(f, &s, n, 0, m, W_RANDOM, A_RANDOM, seed + i))
			return;
		if (n > 1 && compare(f, &s, n - 1, 0, m, W_RANDOM, A_RANDOM, seed + 100 + i))
			return;
		if (bm < m && compare(f, &s, n, bm, m, W_RANDOM, A_RANDOM, seed + 200 + i))
			return;
		if (2 * bm <= m && compare(f, &s, n, bm, 2 * bm, W_RANDOM, A_RANDOM, seed + 300 + i))
			return;
		if (compare(f, &s, n, bm, bm, W_RANDOM, A_RANDOM, seed + 400 + i)) /* empty range */
			return;
	}
}

/* the largest int16 tiles: all +1 or all −1 weights against ±127 activations */
static void extremes(enum kernel_kind kind, int32_t m, int32_t k, int32_t bk)
{
	struct kernel_spec s = spec(kind, m, k, 2, kind == KIND_I2S ? 1 : 32, bk);
	kernel_fn f = compile(&s);
	if (!f)
		return;
	for (int wm = W_PLUS; wm <= W_MINUS; wm++)
		for (int am = A_MAX; am <= A_MIN; am++)
			if (compare(f, &s, 2, 0, m, (enum wmode)wm, (enum amode)am, 9))
				return;
}

/* names of every function the portable kernel of s declares (intrinsics) that is not generic */
static int target_specific_decls(const struct kernel_spec *s, char *bad, size_t len)
{
	LLVMContextRef c = LLVMContextCreate();
	LLVMModuleRef m = LLVMModuleCreateWithNameInContext("p", c);
	struct error e = {{0}};
	int count = 0;
	bad[0] = 0;
	if (gen_emit(m, s, "k", &e) != 0) {
		snprintf(bad, len, "gen_emit: %.200s", e.msg);
		count = -1;
	}
	for (LLVMValueRef fn = LLVMGetFirstFunction(m); fn && count >= 0; fn = LLVMGetNextFunction(fn)) {
		size_t nl;
		const char *name = LLVMGetValueName2(fn, &nl);
		if (!LLVMIsDeclaration(fn) || !strncmp(name, "llvm.vector.reduce.add.", 23))
			continue;
		size_t used = strlen(bad);
		snprintf(bad + used, len - used, "%s ", name);
		count++;
	}
	LLVMDisposeModule(m);
	LLVMContextDispose(c);
	return count;
}

TEST(portable_ir_has_no_target_intrinsics)
{
	struct kernel_spec specs[] = {
		spec(KIND_I2S, 8, 256, 2, 4, 128),
		spec(KIND_TL1, 64, 100, 2, 32, 64),
		spec(KIND_TL2, 64, 101, 2, 32, 48),
	};
	for (size_t i = 0; i < COUNTOF(specs); i++) {
		char bad[512];
		int n = target_specific_decls(&specs[i], bad, sizeof(bad));
		CHECKF(n == 0, "%s kernel declares %s", kind_name(specs[i].kind), bad);
	}
}

TEST(portable_i2s_shapes)
{
	sweep(KIND_I2S, 1, 128, 1, 128, 1);
	sweep(KIND_I2S, 7, 384, 2, 128, 2);
	sweep(KIND_I2S, 37, 640, 4, 256, 3);
	sweep(KIND_I2S, 20, 1280, 8, 1280, 4);
}

TEST(portable_i2s_int16_tiles)
{
	extremes(KIND_I2S, 3, 128 * 70, 128 * 70); /* 64 blocks in int16, then 6 */
	extremes(KIND_I2S, 2, 1024, 512);
}

TEST(portable_tl1_shapes)
{
	sweep(KIND_TL1, 32, 2, 32, 2, 11);
	sweep(KIND_TL1, 64, 6, 32, 4, 12);
	sweep(KIND_TL1, 96, 250, 32, 64, 13);
	sweep(KIND_TL1, 64, 518, 64, 256, 14);
}

TEST(portable_tl1_int16_tiles)
{
	extremes(KIND_TL1, 32, 512, 256);
	extremes(KIND_TL1, 64, 700, 256);
}

TEST(portable_tl2_shapes)
{
	sweep(KIND_TL2, 32, 2, 32, 3, 21);  /* tail only: one pair */
	sweep(KIND_TL2, 32, 4, 32, 3, 22);  /* tail only: two pairs */
	sweep(KIND_TL2, 64, 7, 32, 3, 23);  /* one triple, two pairs */
	sweep(KIND_TL2, 96, 250, 32, 48, 24);
	sweep(KIND_TL2, 64, 723, 64, 240, 25);
}

TEST(portable_tl2_int16_tiles)
{
	extremes(KIND_TL2, 32, 480, 240);
	extremes(KIND_TL2, 32, 725, 240);
}
