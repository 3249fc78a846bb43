/* t_gen.c: generated kernels (gen_emit, compiled at O3 by a small LLJIT of the test's own) are
 * bit-identical to ref_kernel for every kind × ISA tier this machine has × a sweep of shapes,
 * batch sizes, row ranges and activation patterns, and write nothing outside their rows.
 * requires: llvm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "base/cpu.h"
#include "base/rng.h"
#include "gen/gen.h"
#include "kernel/kernel.h"
#include "tests/test.h"

/* ---- a minimal host JIT (until jit/ is used here): spec -> IR -> O3 -> LLJIT ---- */

static LLVMOrcLLJITRef jit;
static LLVMTargetMachineRef tm;
static int kernel_no;

static void jit_init(void)
{
	if (jit)
		return;
	LLVMInitializeNativeTarget();
	LLVMInitializeNativeAsmPrinter();
	LLVMErrorRef err = LLVMOrcCreateLLJIT(&jit, NULL);
	if (err) {
		char *m = LLVMGetErrorMessage(err);
		fprintf(stderr, "LLJIT: %s\n", m);
		exit(1);
	}
	char *triple = LLVMGetDefaultTargetTriple(), *cpu = LLVMGetHostCPUName(), *feat = LLVMGetHostCPUFeatures();
	LLVMTargetRef t;
	char *msg = NULL;
	if (LLVMGetTargetFromTriple(triple, &t, &msg)) {
		fprintf(stderr, "target: %s\n", msg);
		exit(1);
	}
	tm = LLVMCreateTargetMachine(t, triple, cpu, feat, LLVMCodeGenLevelAggressive, LLVMRelocPIC,
	                             LLVMCodeModelSmall);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(feat);
}

/* compiles s; NULL (and a test failure) when generation fails */
static kernel_fn compile(const struct kernel_spec *s)
{
	jit_init();
	char name[32];
	snprintf(name, sizeof(name), "k%d", kernel_no++);
	LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
	LLVMContextRef ctx = LLVMOrcThreadSafeContextGetContext(tsc);
	LLVMModuleRef m = LLVMModuleCreateWithNameInContext(name, ctx);
	LLVMSetTarget(m, LLVMOrcLLJITGetTripleString(jit));
	LLVMSetDataLayout(m, LLVMOrcLLJITGetDataLayoutStr(jit));
	struct error e = {{0}};
	if (gen_emit(m, s, name, &e) != 0) {
		test_fail(__FILE__, __LINE__, "gen_emit: %s", e.msg);
		LLVMDisposeModule(m);
		LLVMOrcDisposeThreadSafeContext(tsc);
		return NULL;
	}
	char *vmsg = NULL;
	if (LLVMVerifyModule(m, LLVMReturnStatusAction, &vmsg)) {
		test_fail(__FILE__, __LINE__, "invalid IR: %s", vmsg);
		LLVMDisposeMessage(vmsg);
		LLVMDisposeModule(m);
		LLVMOrcDisposeThreadSafeContext(tsc);
		return NULL;
	}
	LLVMDisposeMessage(vmsg);
	LLVMPassBuilderOptionsRef o = LLVMCreatePassBuilderOptions();
	LLVMErrorRef err = LLVMRunPasses(m, "default<O3>", tm, o);
	LLVMDisposePassBuilderOptions(o);
	if (!err) {
		LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m, tsc);
		err = LLVMOrcLLJITAddLLVMIRModule(jit, LLVMOrcLLJITGetMainJITDylib(jit), tsm);
	} else {
		LLVMDisposeModule(m);
	}
	LLVMOrcDisposeThreadSafeContext(tsc);
	LLVMOrcExecutorAddress addr = 0;
	if (!err)
		err = LLVMOrcLLJITLookup(jit, &addr, name);
	if (err) {
		char *msg = LLVMGetErrorMessage(err);
		test_fail(__FILE__, __LINE__, "JIT: %s", msg);
		LLVMDisposeErrorMessage(msg);
		return NULL;
	}
	return (kernel_fn)(uintptr_t)addr;
}

/* ---- the comparison ---- */

enum act { ACT_RANDOM, ACT_MIN, ACT_MAX, ACT_ALTERNATING, ACT_ZERO, ACT_COUNT };

static void fill_act(int8_t *x, size_t len, enum act a, struct rng *r)
{
	for (size_t i = 0; i < len; i++) {
		switch (a) {
		case ACT_RANDOM: x[i] = (int8_t)((int)rng_below(r, 255) - 127); break;
		case ACT_MIN: x[i] = -127; break;
		case ACT_MAX: x[i] = 127; break;
		case ACT_ALTERNATING: x[i] = (i & 1) ? -127 : 127; break;
		default: x[i] = 0; break;
		}
	}
}

/* weights: random, or all +1 / all -1 (extremes with extreme activations) */
static void fill_weights(int8_t *t, size_t len, int mode, struct rng *r)
{
	for (size_t i = 0; i < len; i++)
		t[i] = mode == 0 ? (int8_t)((int)rng_below(r, 3) - 1) : mode == 1 ? 1 : -1;
}

#define SENTINEL ((int32_t)0x5a5a5a5a)

/* runs kernel f of spec s against ref_kernel on rows [row0, row1) with n tokens; 0 when equal */
static int compare(kernel_fn f, const struct kernel_spec *s, int32_t n, int32_t row0, int32_t row1,
                   enum act act, int wmode, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	int64_t ldx = s->k + 3, ldy = s->m + 5; /* strides larger than the shape, unaligned */
	int8_t *t = malloc((size_t)s->m * s->k);
	uint8_t *w = malloc(pack_size(s) + 1);
	int8_t *x = malloc((size_t)(n * ldx + 1));
	int32_t *y = malloc(sizeof(int32_t) * (size_t)(n * ldy));
	int32_t *yr = malloc(sizeof(int32_t) * (size_t)(n * ldy));
	size_t ss = kernel_scratch_size(s);
	void *scratch = ss ? xaligned_alloc(64, ss) : NULL;
	fill_weights(t, (size_t)s->m * s->k, wmode, &r);
	pack_weights(s, t, w + 1);
	fill_act(x + 1, (size_t)(n * ldx), act, &r);
	for (int64_t i = 0; i < n * ldy; i++)
		y[i] = yr[i] = SENTINEL;
	struct kernel_args a = {.w = w + 1, .x = x + 1, .y = y, .ldx = ldx, .ldy = ldy, .n = n,
	                        .row0 = row0, .row1 = row1, .scratch = scratch};
	f(&a);
	a.y = yr;
	ref_kernel(s, &a);
	int bad = 0;
	for (int64_t i = 0; i < n * ldy && bad < 3; i++)
		if (y[i] != yr[i]) {
			char buf[256];
			spec_format(s, buf, sizeof(buf));
			test_fail(__FILE__, __LINE__, "%s n=%d rows [%d,%d) act %d: y[tok %lld][row %lld] = %d, ref %d",
			          buf, n, row0, row1, (int)act, (long long)(i / ldy), (long long)(i % ldy), y[i], yr[i]);
			bad++;
		}
	free(t);
	free(w);
	free(x);
	free(y);
	free(yr);
	free(scratch);
	return bad;
}

static int tiers(enum isa *out)
{
	static const enum isa all[] = {ISA_AVX2, ISA_AVXVNNI, ISA_AVX512VNNI};
	int n = 0;
	for (size_t i = 0; i < COUNTOF(all); i++)
		if (isa_available(all[i], cpu_host()))
			out[n++] = all[i];
	return n;
}

static struct kernel_spec make_spec(enum kernel_kind kind, enum isa isa, int32_t m, int32_t k, int32_t n)
{
	struct kernel_spec s;
	struct error e;
	if (spec_default(&s, kind, isa, m, k, n, cpu_host(), &e) != 0) {
		test_fail(__FILE__, __LINE__, "spec_default: %s", e.msg);
		memset(&s, 0, sizeof(s));
	}
	return s;
}

/* the shape on every tier (only = -1) or on tier only % tiers: whole matrix, each batch size,
 * all activation kinds when acts is set */
static void sweep_shape(enum kernel_kind kind, int32_t m, int32_t k, const int32_t *ns, int nn, int acts,
                        int only)
{
	enum isa isa[4];
	int ni = tiers(isa);
	for (int i = 0; i < ni; i++) {
		if (only >= 0 && i != only % ni)
			continue;
		for (int j = 0; j < nn; j++) {
			struct kernel_spec s = make_spec(kind, isa[i], m, k, ns[j]);
			if (test_failed())
				return;
			kernel_fn f = compile(&s);
			if (!f)
				return;
			for (int a = 0; a < (acts ? ACT_COUNT : 1); a++)
				if (compare(f, &s, ns[j], 0, m, (enum act)a, 0, 1000 + (uint64_t)(i * 31 + j * 7 + a)))
					return;
			if (acts && compare(f, &s, ns[j], 0, m, ACT_MAX, 1, 7) + compare(f, &s, ns[j], 0, m, ACT_MIN, 2, 8))
				return;
		}
	}
}

TEST(gen_isa_features_strings)
{
	CHECK(strstr(gen_isa_features(ISA_AVX2), "+avx2") != NULL);
	CHECK(strstr(gen_isa_features(ISA_AVXVNNI), "+avxvnni") != NULL);
	CHECK(strstr(gen_isa_features(ISA_AVX512VNNI), "+avx512vnni") != NULL);
	CHECK(strstr(gen_isa_features(ISA_AVX512VNNI), "+avx512bw") != NULL);
}

TEST(gen_refuses_unsupported_isa)
{
	jit_init();
	LLVMContextRef c = LLVMContextCreate();
	LLVMModuleRef m = LLVMModuleCreateWithNameInContext("x", c);
	struct kernel_spec s = {.kind = KIND_I2S, .isa = ISA_NEON, .m = 32, .k = 128, .n = 1,
	                        .bm = 32, .bk = 128, .rb = 4, .unroll = 1, .threads = 1};
	struct error e = {{0}};
	CHECK(gen_emit(m, &s, "k", &e) == -1);
	CHECK(strstr(e.msg, "neon") != NULL);
	CHECK(LLVMGetNamedFunction(m, "k") == NULL);
	LLVMDisposeModule(m);
	LLVMContextDispose(c);
}

static const int32_t gemv[] = {1};
static const int32_t batches[] = {1, 2, 3, 8, 17, 64};

static void small_shapes(enum kernel_kind kind, const int32_t *ms, int nm, const int32_t *ks, int nk)
{
	for (int i = 0; i < nm; i++)
		for (int j = 0; j < nk; j++) {
			sweep_shape(kind, ms[i], ks[j], gemv, 1, 1, -1);
			if (test_failed())
				return;
		}
}

TEST(i2s_small_and_odd_shapes)
{
	static const int32_t ms[] = {32, 33, 100, 1};
	static const int32_t ks[] = {128, 384};
	small_shapes(KIND_I2S, ms, COUNTOF(ms), ks, COUNTOF(ks));
}

TEST(i2s_batches)
{
	sweep_shape(KIND_I2S, 100, 384, batches, COUNTOF(batches), 0, -1);
	if (!test_failed())
		sweep_shape(KIND_I2S, 96, 256, batches + 4, 2, 1, 1);
}

/* every tile choice that matters: rb, bm, unroll, prefetch, bk, and partial row ranges */
static void tiles(enum kernel_kind kind, int32_t m, int32_t k, const int32_t *rbs, int nrb)
{
	enum isa isa[4];
	int ni = tiers(isa);
	static const int32_t unrolls[] = {1, 3};
	int combo = 0;
	for (int a = 0; a < nrb; a++)
		for (int u = 0; u < 2; u++)
			for (int32_t n = 1; n <= 5; n += 4) {
				int i = combo++ % ni; /* each combination on one tier, the tiers in turn */
				struct kernel_spec s = make_spec(kind, isa[i], m, k, n);
				s.rb = rbs[a];
				s.bm = rbs[a] * 2;
				s.unroll = unrolls[u];
				s.prefetch = u ? 512 : 0;
				if (kind == KIND_I2S)
					s.bk = 128 * (1 + u);
				else if (u)
					s.bk = kind == KIND_TL1 ? 2 : 3;
				struct error e;
				if (spec_legal(&s, &e) != 0) {
					test_fail(__FILE__, __LINE__, "spec_legal: %s", e.msg);
					return;
				}
				kernel_fn f = compile(&s);
				if (!f)
					return;
				int32_t r0 = s.bm, r1 = m - m % s.bm;
				if (compare(f, &s, n, 0, m, ACT_RANDOM, 0, 11) || compare(f, &s, n, r0, m, ACT_RANDOM, 0, 12) ||
				    (r1 > r0 && compare(f, &s, n, r0, r1, ACT_ALTERNATING, 0, 13)) ||
				    compare(f, &s, n, r0, r0, ACT_RANDOM, 0, 14))
					return;
			}
}

TEST(i2s_tiles_and_row_ranges)
{
	static const int32_t rbs[] = {1, 3, 4, 8};
	tiles(KIND_I2S, 70, 640, rbs, COUNTOF(rbs));
}

/* the model shapes, GEMV only: BitNet 2B4T's on every tier, the others on one tier each */
static void model_shapes(enum kernel_kind kind)
{
	static const int32_t shapes[][2] = {
		{2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912}, /* BitNet b1.58 2B4T */
		{1536, 1536}, {4096, 1536}, {1536, 4096},             /* bitnet_b1_58-large */
		{4096, 4096}, {14336, 4096}, {4096, 14336}, {1024, 4096}, /* Llama3-8B-1.58 */
	};
	for (size_t i = 0; i < COUNTOF(shapes) && !test_failed(); i++)
		sweep_shape(kind, shapes[i][0], shapes[i][1], gemv, 1, 0, i < 4 ? -1 : (int)i);
}

TEST(i2s_model_shapes)
{
	model_shapes(KIND_I2S);
}

TEST(tl1_small_and_odd_shapes)
{
	static const int32_t ms[] = {32, 96};
	static const int32_t ks[] = {2, 6, 250, 384};
	small_shapes(KIND_TL1, ms, COUNTOF(ms), ks, COUNTOF(ks));
}

TEST(tl2_small_and_odd_shapes)
{
	static const int32_t ms[] = {32};
	static const int32_t ks[] = {2, 4, 7, 128, 250, 384};
	small_shapes(KIND_TL2, ms, COUNTOF(ms), ks, COUNTOF(ks));
}

TEST(tl_batches)
{
	sweep_shape(KIND_TL1, 64, 250, batches, COUNTOF(batches), 0, 2);
	if (!test_failed())
		sweep_shape(KIND_TL2, 64, 250, batches, COUNTOF(batches), 0, 0);
}

TEST(tl_tiles_and_row_ranges)
{
	static const int32_t rbs[] = {32, 64};
	tiles(KIND_TL1, 160, 300, rbs, COUNTOF(rbs));
	if (!test_failed())
		tiles(KIND_TL2, 160, 301, rbs, COUNTOF(rbs));
}

TEST(tl_model_shapes)
{
	model_shapes(KIND_TL1);
	if (!test_failed())
		model_shapes(KIND_TL2);
}

/* ---- AMX (i2s only): tiles of 32 tokens × 32 rows, zero-padded rows and tokens ---- */

static int amx_skip(void)
{
	if (isa_available(ISA_AMX, cpu_host()))
		return 0;
	test_skip("this CPU (or OS) gives no AMX-INT8");
	return 1;
}

/* the amx spec of a shape, compiled; n is the spec's (largest) batch */
static kernel_fn amx_kernel(struct kernel_spec *s, int32_t m, int32_t k, int32_t n)
{
	*s = make_spec(KIND_I2S, ISA_AMX, m, k, n);
	return test_failed() ? NULL : compile(s);
}

TEST(i2s_amx_odd_shapes_batches_and_rows)
{
	if (amx_skip())
		return;
	static const int32_t ms[] = {1, 16, 33, 70, 100};
	static const int32_t ks[] = {128, 384, 640, 1152}; /* 1, 1, 2 and 3 slices of 512 k */
	static const int32_t ns[] = {1, 2, 15, 16, 17, 33, 64, 128};
	for (size_t i = 0; i < COUNTOF(ms) && !test_failed(); i++)
		for (size_t j = 0; j < COUNTOF(ks) && !test_failed(); j++) {
			struct kernel_spec s;
			kernel_fn f = amx_kernel(&s, ms[i], ks[j], 128);
			if (!f)
				return;
			for (size_t b = 0; b < COUNTOF(ns); b++) {
				int32_t m = ms[i], n = ns[b];
				uint64_t seed = 300 + i * 100 + j * 10 + b;
				int32_t r0 = m >= 8 ? 4 : 0, r1 = m >= 40 ? 36 : m;
				if (compare(f, &s, n, 0, m, (enum act)(b % ACT_COUNT), 0, seed) ||
				    compare(f, &s, n, r0, r1, ACT_RANDOM, 0, seed + 1) ||
				    compare(f, &s, n, r0, r0, ACT_RANDOM, 0, seed + 2))
					return;
			}
			if (compare(f, &s, 33, 0, ms[i], ACT_MAX, 1, 7) || compare(f, &s, 17, 0, ms[i], ACT_MIN, 2, 8))
				return;
		}
}

TEST(i2s_amx_model_shapes)
{
	if (amx_skip())
		return;
	static const int32_t shapes[][2] = {{2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912}};
	static const int32_t ns[] = {64, 17};
	for (size_t i = 0; i < COUNTOF(shapes) && !test_failed(); i++) {
		struct kernel_spec s;
		kernel_fn f = amx_kernel(&s, shapes[i][0], shapes[i][1], 64);
		if (!f)
			return;
		int32_t m = shapes[i][0];
		if (compare(f, &s, ns[i % 2], 0, m, ACT_RANDOM, 0, 50 + i) ||
		    compare(f, &s, 16, m / 2, m, ACT_ALTERNATING, 0, 60 + i))
			return;
	}
}
