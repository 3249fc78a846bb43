#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cpu.h"
#include "base/half.h"
#include "base/rng.h"
#include "base/util.h"
#include "tests/test.h"

TEST(half_roundtrips_every_f16)
{
	for (uint32_t h = 0; h < 65536; h++) {
		float f = f16_to_f32((uint16_t)h);
		if (isnan(f))
			continue;
		CHECKF(f32_to_f16(f) == h, "f16 %04x -> %g -> %04x", h, f, f32_to_f16(f));
	}
}

TEST(half_rounds_to_nearest_even)
{
	CHECK_EQ_INT(f32_to_f16(1.0f + 1.0f / 2048), 0x3c00);      /* tie, even below */
	CHECK_EQ_INT(f32_to_f16(1.0f + 3.0f / 2048), 0x3c02);      /* tie, even above */
	CHECK_EQ_INT(f32_to_f16(65520.0f), 0x7c00);                /* overflows to inf */
	CHECK_EQ_INT(f32_to_f16(5.9604645e-08f), 0x0001);          /* smallest subnormal */
	CHECK(bf16_to_f32(f32_to_bf16(3.0f)) == 3.0f);
}

TEST(rng_is_deterministic)
{
	struct rng a, b;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		CHECK(rng_u64(&a) == rng_u64(&b));
	rng_seed(&a, 1);
	CHECK(rng_u64(&a) != rng_u64(&b));
	double sum = 0;
	for (int i = 0; i < 10000; i++)
		sum += rng_normal(&a);
	CHECKF(fabs(sum / 10000) < 0.05, "normal mean %g", sum / 10000);
}

TEST(write_file_atomic_leaves_no_temp)
{
	struct error e;
	char path[512];
	snprintf(path, sizeof(path), "%s/sub/dir", test_tmpdir());
	CHECK(mkdir_p(path, &e) == 0);
	strcat(path, "/f.bin");
	CHECK(write_file_atomic(path, "hello", 5, &e) == 0);
	size_t n;
	char *s = read_file(path, &n, &e);
	CHECK(s && n == 5 && !memcmp(s, "hello", 5));
	free(s);
	CHECK(write_file_atomic("/nonexistent-dir/x", "a", 1, &e) == -1);
	CHECK(strstr(e.msg, "/nonexistent-dir/x") != NULL);
	CHECK(read_file("/nonexistent-file", &n, &e) == NULL);
}

TEST(cpu_reports_caches)
{
	const struct cpu_info *c = cpu_host();
	CHECK(c->l1d >= 8192 && c->l2 >= c->l1d);
	CHECK(c->physical_cores >= 1);
	char buf[256];
	cpu_feature_string(c, buf, sizeof(buf));
#if defined(__x86_64__)
	CHECK(!c->avx512vnni || c->avx512f);
#endif
}
