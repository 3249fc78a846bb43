#!/bin/sh
# aot_aarch64.sh: `trit aot --target aarch64-linux-gnu` writes an AArch64 ELF object of portable
# kernels (e_machine 183); where aarch64-linux-gnu-gcc and qemu-aarch64 exist, a static AArch64
# driver built from it and our non-LLVM sources (packers, reference kernels, IR, base) runs under
# qemu and requires every AOT kernel to equal ref_kernel on random inputs, several batch sizes,
# row sub-ranges and larger strides, writing nothing outside its rows.
set -u
trit=${TRIT:-./trit}
src=${TRIT_SRCDIR:-.}
build=$(cd "$(dirname "$trit")" && pwd)
xcc=${AARCH64_CC:-aarch64-linux-gnu-gcc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TRIT_CACHE_DIR="$tmp/cache"
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

if ! "$trit" gen --help >/dev/null 2>&1; then
	echo "SKIP aot_aarch64: this trit was built with --without-llvm (no 'trit aot')"
	exit 0
fi

"$trit" aot "$src/models/tiny.trit" --target aarch64-linux-gnu --cpu cortex-a76 --kinds i2s,tl1,tl2 \
	--batch 1,4 -o "$tmp/k.o" 2>"$tmp/err" && [ -s "$tmp/k.o" ] && [ -s "$tmp/k.h" ] &&
	pass aot_aarch64_emits || { fail aot_aarch64_emits "$(cat "$tmp/err")"; exit 1; }
# ELF64 (class 2), little-endian (data 1), e_machine EM_AARCH64 = 183
elf=$(od -An -tu1 -j4 -N2 "$tmp/k.o" | tr -s ' ' | sed 's/^ //')
em=$(od -An -tu2 -j18 -N2 "$tmp/k.o" | tr -d ' ')
[ "$elf" = "2 1" ] && [ "$em" = 183 ] && pass aot_aarch64_elf || fail aot_aarch64_elf "class/data '$elf', e_machine '$em'"
n=$(sed -n 's/^#define TRIT_AOT_KERNEL_COUNT \([0-9]*\)/\1/p' "$tmp/k.h")
for kind in i2s tl1 tl2; do
	grep -q "{\"kernel $kind .* isa=scalar " "$tmp/k.h" || fail aot_aarch64_kinds "no scalar $kind kernel in the header"
done

if ! command -v "$xcc" >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
	command -v "$xcc" >/dev/null || echo "SKIP aot_aarch64_qemu: no $xcc (Debian: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
	command -v qemu-aarch64 >/dev/null || echo "SKIP aot_aarch64_qemu: no qemu-aarch64 (Debian: apt-get install qemu-user)"
	[ $fails -eq 0 ]
	exit
fi

cat >"$tmp/driver.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/rng.h"
#include "gen/kernel.h"
#include "runtime/aot_kernels.h"

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
C

# the runtime-side sources the driver needs, none of which may need LLVM
srcs="$src/runtime/aot_registry.c $src/base/util.c"
for f in "$src"/ir/*.c "$src"/gen/*.c; do
	grep -q 'requires: llvm' "$f" || srcs="$srcs $f"
done
# shellcheck disable=SC2086
"$xcc" -std=c17 -D_GNU_SOURCE -O1 -static -I"$src" -I"$tmp" "$tmp/driver.c" $srcs "$tmp/k.o" -lm \
	-o "$tmp/driver" 2>"$tmp/err" && pass aot_aarch64_links ||
	{ fail aot_aarch64_links "$(cat "$tmp/err")"; exit 1; }
timeout 120 qemu-aarch64 "$tmp/driver" "$n" >"$tmp/out" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "^$n AOT kernels checked, 0 differ" "$tmp/out" &&
	pass aot_aarch64_qemu_equals_reference || fail aot_aarch64_qemu_equals_reference "exit $st: $(cat "$tmp/out")"
[ $fails -eq 0 ]
