#!/bin/sh
# aot.sh: `trit aot` for the host: a plain C driver links kernels.o with libtrit.a (no LLVM),
# finds every kernel through aot_lookup() and compares it with ref_kernel; without an AOT object
# the same driver still links and finds nothing. Foreign target: an AArch64 ELF (e_machine 183).
set -u
trit=${TRIT:-./trit}
src=${TRIT_SRCDIR:-.}
build=$(cd "$(dirname "$trit")" && pwd)
cc=${CC:-cc}
# a --sanitize build's library needs the sanitizer runtimes in whatever links it
san=
nm "$build/libtrit.a" 2>/dev/null | grep -q __asan_init && san="-fsanitize=address,undefined"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TRIT_CACHE_DIR="$tmp/cache"
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# a --without-llvm build has no JIT: it must say so in one line, and there is nothing else to test
if ! "$trit" gen --help >/dev/null 2>"$tmp/err"; then
	grep -qx "trit: gen: this trit was built with --without-llvm; 'trit gen' needs LLVM" "$tmp/err" &&
		pass without_llvm_refuses_clearly || fail without_llvm_refuses_clearly "$(cat "$tmp/err")"
	exit $fails
fi

cat >"$tmp/driver.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/rng.h"
#include "gen/kernel.h"
#include "runtime/aot_kernels.h"

int main(int argc, char **argv)
{
	int want = atoi(argv[1]), bad = 0;
	if (aot_count() != want) {
		printf("aot_count() = %d, expected %d\n", aot_count(), want);
		return 1;
	}
	struct rng r;
	rng_seed(&r, 42);
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
		size_t mk = (size_t)s.m * s.k, ny = (size_t)s.n * s.m;
		int8_t *t = malloc(mk), *x = malloc((size_t)s.n * s.k);
		for (size_t j = 0; j < mk; j++) t[j] = (int8_t)((int)rng_below(&r, 3) - 1);
		for (size_t j = 0; j < (size_t)s.n * s.k; j++) x[j] = (int8_t)((int)rng_below(&r, 255) - 127);
		uint8_t *w = xaligned_alloc(64, pack_size(&s) + 64);
		pack_weights(&s, t, w);
		int32_t *y = calloc(ny, 4), *yr = calloc(ny, 4);
		size_t ss = kernel_scratch_size(&s) + 64;
		struct kernel_args a = {w, x, y, s.k, s.m, s.n, 0, s.m, xaligned_alloc(64, ss)};
		struct kernel_args ar = a;
		ar.y = yr;
		fn(&a);
		ref_kernel(&s, &ar);
		if (memcmp(y, yr, ny * 4)) {
			printf("%s differs from ref_kernel\n", aot_at(i)->spec);
			bad++;
		}
		free(t); free(x); free(w); free(y); free(yr); free(a.scratch);
	}
	printf("%d AOT kernels checked, %d differ\n", aot_count(), bad);
	return bad != 0;
}
C

"$trit" aot "$src/models/tiny.trit" --kinds i2s,tl1,tl2 --batch 1,4 -o "$tmp/kernels.o" 2>"$tmp/err" &&
	[ -s "$tmp/kernels.o" ] && [ -s "$tmp/kernels.h" ] && pass aot_host_emits || fail aot_host_emits "$(cat "$tmp/err")"
n=$(sed -n 's/^#define TRIT_AOT_KERNEL_COUNT \([0-9]*\)/\1/p' "$tmp/kernels.h")
[ "${n:-0}" -gt 0 ] && [ "$(grep -c '^void trit_k_[0-9a-f]\{16\}(const struct kernel_args \*a);' "$tmp/kernels.h")" -eq "$n" ] &&
	pass aot_header || fail aot_header "bad header"

# the header compiles on its own and its table matches the object's symbols
printf '#include "kernels.h"\nint main(void) { return TRIT_AOT_KERNEL_COUNT == sizeof trit_aot_kernels / sizeof trit_aot_kernels[0] ? 0 : 1; }\n' >"$tmp/h.c"
$cc -std=c17 -Wall -Werror -I"$tmp" "$tmp/h.c" "$tmp/kernels.o" -o "$tmp/h" 2>"$tmp/err" && "$tmp/h" &&
	pass aot_header_links || fail aot_header_links "$(cat "$tmp/err")"

$cc $san -std=c17 -D_GNU_SOURCE -O1 -I"$src" -I"$build/.." -I"$build" "$tmp/driver.c" "$tmp/kernels.o" "$build/libtrit.a" -lm -lpthread \
	-o "$tmp/driver" 2>"$tmp/err" && "$tmp/driver" "$n" >"$tmp/out" 2>&1 && grep -q "^$n AOT kernels checked, 0 differ" "$tmp/out" &&
	pass aot_kernels_equal_reference || fail aot_kernels_equal_reference "$(cat "$tmp/err" "$tmp/out" 2>/dev/null)"
$cc $san -std=c17 -D_GNU_SOURCE -O1 -I"$src" -I"$build/.." -I"$build" "$tmp/driver.c" "$build/libtrit.a" -lm -lpthread \
	-o "$tmp/driver0" 2>"$tmp/err" && "$tmp/driver0" 0 >"$tmp/out" 2>&1 &&
	pass aot_absent_links_and_misses || fail aot_absent_links_and_misses "$(cat "$tmp/err" "$tmp/out" 2>/dev/null)"

# AArch64: the portable tier (NEON kernels come later); tests/aot_aarch64.sh runs it under qemu
"$trit" aot "$src/models/tiny.trit" --target aarch64-linux-gnu --cpu cortex-a76 -o "$tmp/a64.o" 2>"$tmp/err"
st=$?
if [ $st -eq 0 ]; then
	em=$(od -An -tu2 -j18 -N2 "$tmp/a64.o" | tr -d ' ')
	[ "$em" = 183 ] && pass aot_aarch64_elf || fail aot_aarch64_elf "e_machine $em"
else
	fail aot_aarch64_elf "exit $st: $(cat "$tmp/err")"
fi
"$trit" aot "$src/models/tiny.trit" --target aarch64-linux-gnu --isa avx2 -o "$tmp/x.o" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'cannot be generated for target aarch64' "$tmp/err" && [ ! -e "$tmp/x.o" ] &&
	pass aot_wrong_isa_for_target || fail aot_wrong_isa_for_target "$(cat "$tmp/err")"

[ $fails -eq 0 ]
