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


"$trit" aot "$src/models/tiny.trit" --kinds i2s,tl1,tl2 --batch 1,4 -o "$tmp/kernels.o" 2>"$tmp/err" &&
	[ -s "$tmp/kernels.o" ] && [ -s "$tmp/kernels.h" ] && pass aot_host_emits || fail aot_host_emits "$(cat "$tmp/err")"
n=$(sed -n 's/^#define TRIT_AOT_KERNEL_COUNT \([0-9]*\)/\1/p' "$tmp/kernels.h")
[ "${n:-0}" -gt 0 ] && [ "$(grep -c '^void trit_k_[0-9a-f]\{16\}(const struct kernel_args \*a);' "$tmp/kernels.h")" -eq "$n" ] &&
	pass aot_header || fail aot_header "bad header"

# the header compiles on its own and its table matches the object's symbols
printf '#include "kernels.h"\nint main(void) { return TRIT_AOT_KERNEL_COUNT == sizeof trit_aot_kernels / sizeof trit_aot_kernels[0] ? 0 : 1; }\n' >"$tmp/h.c"
$cc -std=c17 -Wall -Werror -I"$tmp" "$tmp/h.c" "$tmp/kernels.o" -o "$tmp/h" 2>"$tmp/err" && "$tmp/h" &&
	pass aot_header_links || fail aot_header_links "$(cat "$tmp/err")"

$cc $san -std=c17 -D_GNU_SOURCE -O1 -I"$src" -I"$build/.." -I"$build" "$src/tests/aot_driver.c" "$tmp/kernels.o" "$build/libtrit.a" -lm -lpthread \
	-o "$tmp/driver" 2>"$tmp/err" && "$tmp/driver" "$n" >"$tmp/out" 2>&1 && grep -q "^$n AOT kernels checked, 0 differ" "$tmp/out" &&
	pass aot_kernels_equal_reference || fail aot_kernels_equal_reference "$(cat "$tmp/err" "$tmp/out" 2>/dev/null)"
$cc $san -std=c17 -D_GNU_SOURCE -O1 -I"$src" -I"$build/.." -I"$build" "$src/tests/aot_driver.c" "$build/libtrit.a" -lm -lpthread \
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
