/* t_tune: the tuner's candidates — the default spec comes first (so every key measures it), its
 * software-prefetch variants follow, every seed and neighbour is legal, keeps the default's thread
 * count and leaves at least two row tiles per core; and tune/kmeasure's copies and timings on the
 * scalar reference (no timing is judged). requires: llvm */
#include <stdlib.h>
#include <string.h>

#include "tune/kmeasure.h"
#include "kernel/kernel.h"
#include "tune/tune.h"
#include "tune/tunedb.h"
#include "tests/test.h"

TEST(seeds_start_with_the_default)
{
	static const int32_t shapes[][3] = {{2560, 2560, 1}, {640, 2560, 64}, {256, 256, 1}, {13824, 2560, 1}};
	enum kernel_kind kinds[KIND_COUNT];
	for (int i = 0; i < KIND_COUNT; i++)
		kinds[i] = (enum kernel_kind)i;
	const struct cpu_info *c = cpu_host();
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		struct kernel_spec seeds[64], d;
		int n = tune_seed_candidates(shapes[i][0], shapes[i][1], shapes[i][2], kinds, KIND_COUNT, c, seeds, 64);
		CHECK(tune_default_spec(c, shapes[i][0], shapes[i][1], shapes[i][2], &d) == 0);
		CHECKF(n > 1 && tune_same_spec(&seeds[0], &d), "shape %d: %d seeds", (int)i, n);
		int prefetch_variants = 0;
		for (int j = 0; j < n; j++) {
			CHECK(spec_legal(&seeds[j], NULL) == 0 && isa_available(seeds[j].isa, c));
			CHECK(seeds[j].threads == d.threads);
			for (int k = 0; k < j; k++)
				CHECK(!tune_same_spec(&seeds[j], &seeds[k]));
			struct kernel_spec p = seeds[j];
			p.prefetch = d.prefetch;
			prefetch_variants += j > 0 && tune_same_spec(&p, &d);
		}
		CHECKF(prefetch_variants >= 2, "shape %d: %d prefetch variants", (int)i, prefetch_variants);
		/* without the default's kind, the default still comes first (the yardstick), then that kind */
		enum kernel_kind other = d.kind == KIND_TL1 ? KIND_TL2 : KIND_TL1;
		n = tune_seed_candidates(shapes[i][0], shapes[i][1], shapes[i][2], &other, 1, c, seeds, 64);
		CHECK(n >= 1 && tune_same_spec(&seeds[0], &d));
		for (int j = 1; j < n; j++)
			CHECK(seeds[j].kind == other);
	}
}

TEST(neighbours_are_legal_and_keep_threads)
{
	const struct cpu_info *c = cpu_host();
	struct kernel_spec d, nb[64];
	CHECK(tune_default_spec(c, 2560, 2560, 1, &d) == 0);
	int n = tune_neighbours(&d, c, nb, 64), prefetches = 0;
	CHECK(n > 5);
	int32_t cores = c->physical_cores > 1 ? c->physical_cores : 1;
	for (int i = 0; i < n; i++) {
		CHECK(spec_legal(&nb[i], NULL) == 0 && !tune_same_spec(&nb[i], &d));
		CHECK(nb[i].threads == d.threads);
		CHECKF(nb[i].bm == d.bm || nb[i].bm <= (d.m / (2 * cores) + 31) / 32 * 32, "bm=%d", nb[i].bm);
		prefetches += nb[i].prefetch >= 4096 && nb[i].prefetch <= 16384;
	}
	CHECKF(prefetches >= 3, "%d prefetch distances of 4-16 KiB", prefetches);
}

TEST(kmeasure_copies_and_timings)
{
	struct kernel_spec s = {.kind = KIND_I2S, .isa = ISA_SCALAR, .m = 64, .k = 256, .n = 1, .bm = 16,
	                        .bk = 256, .rb = 4, .unroll = 1, .threads = 1};
	CHECK(spec_legal(&s, NULL) == 0);
	int8_t *t = malloc(64 * 256), *x = malloc(256);
	for (int i = 0; i < 64 * 256; i++)
		t[i] = (int8_t)(i % 3 - 1);
	for (int i = 0; i < 256; i++)
		x[i] = (int8_t)(i % 255 - 127);
	struct km_copies cp;
	km_copies_make(&cp, &s, t, 10 * pack_size(&s) + 1);
	CHECK_EQ_INT(cp.copies, 11);
	CHECK(cp.next == 0 && cp.psize == pack_size(&s));
	for (int i = 1; i < cp.copies; i++)
		CHECK(!memcmp(cp.w, cp.w + cp.psize * (size_t)i, cp.psize));
	CHECK(km_l2_copy(&cp) == cp.w + cp.psize * 10);
	CHECK_EQ_INT(km_l2_rows(&s, 32 * 64), 32);        /* 64 bytes a row: 32 rows, 2 tiles */
	CHECK_EQ_INT(km_l2_rows(&s, 20 * 64), 16);        /* whole tiles only */
	CHECK_EQ_INT(km_l2_rows(&s, 1), 16);              /* at least one tile */
	CHECK_EQ_INT(km_l2_rows(&s, (size_t)1 << 30), 64); /* at most m */
	struct km_kernel k = {s, NULL, ref_kernel};
	double times[4] = {0};
	double l2 = km_time_l2(&k, km_l2_copy(&cp), x, 32, 3, times);
	CHECK(l2 > 0 && times[0] >= l2 && times[2] >= l2);
	double dram = km_time_dram(&k, &cp, x, 2, 0, times);
	CHECK(dram > 0 && times[0] >= dram && times[1] >= dram);
	CHECK_EQ_INT(cp.next, 4); /* two windows of two calls */
	km_copies_free(&cp);
	CHECK(km_dram_total(cpu_host()) >= (size_t)256 << 20);
	free(t);
	free(x);
}
