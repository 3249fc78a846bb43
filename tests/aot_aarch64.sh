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


# the runtime-side sources the driver needs, none of which may need LLVM
srcs="$src/base/util.c $src/base/cpu.c $src/base/log.c"
for f in "$src"/ir/*.c "$src"/kernel/*.c; do
	grep -q 'requires: llvm' "$f" || srcs="$srcs $f"
done
# shellcheck disable=SC2086
"$xcc" -std=c17 -D_GNU_SOURCE -O1 -static -I"$src" -I"$tmp" -I. "$src/tests/aot_driver.c" $srcs "$tmp/k.o" -lm \
	-o "$tmp/driver" 2>"$tmp/err" && pass aot_aarch64_links ||
	{ fail aot_aarch64_links "$(cat "$tmp/err")"; exit 1; }
timeout 120 qemu-aarch64 "$tmp/driver" "$n" >"$tmp/out" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "^$n AOT kernels checked, 0 differ" "$tmp/out" &&
	pass aot_aarch64_qemu_equals_reference || fail aot_aarch64_qemu_equals_reference "exit $st: $(cat "$tmp/out")"
[ $fails -eq 0 ]
