/* aot_driver.c: links a `trit aot` object (kernels.o + kernels.h) without LLVM and checks every kernel
 * in it against ref_kernel: full and partial row ranges, n and n-1 tokens, padded strides, untouched
 * outputs. Built and run by tests/aot.sh (host) and tests/aot_aarch64.sh (under qemu). Prints
 * "N AOT kernels checked, M differ"; argv[1] is the kernel count the object should hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/rng.h"
#include "kernel/kernel.h"
#include "kernel/aot_kernels.h"

#define SENTINEL ((int32_t)0x5a5a5a5a)

/* kernel fn of s against ref_kernel for n tokens on rows [row0, row1); returns 1 when they differ */
static int check(const struct kernel_spec *s, kernel_fn fn, int32_t n, int32_t row0, int32_t row1, struct rng *r)
{
	int64_t ldx = s->k + 3, ldy = s->m + 7;
	size_t mk = (size_t)s->m * s->k, nx = (size_t)(n * ldx), ny = (size_t)(n * ldy);
	int8_t *t = malloc(mk), *x = malloc(nx);
	for (size_t j = 0; j < mk; j++) t[j] = (int8_t)((int)rng_below(r, 3) - 1);
	for (size_t j = 0; j < nx; j++) x[j] = (int8_t)((int)rng_below(r, 255) - 127);
	uint8_t *w = xaligned_alloc(64, pack_size(s) + 64);
	pack_weights(s, t, w);
	int32_t *y = malloc(ny * 4), *yr = malloc(ny * 4);
	for (size_t j = 0; j < ny; j++) y[j] = yr[j] = SENTINEL;
	struct kernel_args a = {w, x, y, ldx, ldy, n, row0, row1, xaligned_alloc(64, kernel_scratch_size(s) + 64)};
	fn(&a);
	a.y = yr;
	ref_kernel(s, &a);
	int bad = memcmp(y, yr, ny * 4) != 0;
	for (size_t j = 0; j < ny && bad; j++)
		if (y[j] != yr[j]) {
			printf("n=%d rows [%d,%d): y[tok %zu][row %zu] = %d, ref %d\n", n, row0, row1,
			       j / (size_t)ldy, j % (size_t)ldy, y[j], yr[j]);
			break;
		}
	free(t); free(x); free(w); free(y); free(yr); free(a.scratch);
	return bad;
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : -1, bad = 0;
	if (aot_count() != want) {
		printf("aot_count() = %d, expected %d\n", aot_count(), want);
		return 1;
	}
	struct rng r;
	rng_seed(&r, 183);
	for (int i = 0; i < aot_count(); i++) {
		struct kernel_spec s;
		struct error e;
		if (spec_parse(aot_at(i)->spec, &s, &e) < 0) {
			printf("%s: %s\n", aot_at(i)->spec, e.msg);
			return 1;
		}
		kernel_fn fn = aot_lookup(&s);
		if (fn != aot_at(i)->fn) {
			printf("aot_lookup(%s) did not find its kernel\n", aot_at(i)->spec);
			return 1;
		}
		int32_t r0 = s.bm < s.m ? s.bm : 0;
		int d = check(&s, fn, s.n, 0, s.m, &r) + check(&s, fn, s.n, r0, s.m, &r);
		if (s.n > 1)
			d += check(&s, fn, s.n - 1, 0, s.m, &r);
		if (d) {
			printf("%s differs from ref_kernel\n", aot_at(i)->spec);
			bad++;
		}
	}
	printf("%d AOT kernels checked, %d differ\n", aot_count(), bad);
	return bad != 0;
}
