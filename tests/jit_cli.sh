#!/bin/sh
# jit_cli.sh: trit gen / kernel / cache from the command line: IR and asm contents (I2_S, TL1, TL2 on
# x86, and the portable tier for AArch64), clear errors for bad flags, refusal of an ISA the CPU lacks,
# `trit kernel` against an independent product, a warm second process that compiles nothing, and 4
# processes filling one empty cache at once.
set -u
trit=${TRIT:-./trit}
src=${TRIT_SRCDIR:-.}
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
has_flag() { grep -qw "$1" /proc/cpuinfo; }

# trit gen: IR names the function, asm uses the ISA's instructions
"$trit" gen "i2s m=256 k=256 n=1 isa=avx2" >"$tmp/ir.ll" 2>"$tmp/err" &&
	grep -q 'define void @trit_k_[0-9a-f]\{16\}(' "$tmp/ir.ll" && grep -q '^; kernel i2s m=256 k=256 n=1 isa=avx2' "$tmp/ir.ll" &&
	pass gen_ir || fail gen_ir "$(cat "$tmp/err")"
if has_flag avx_vnni || has_flag avx512_vnni; then
	isa=avxvnni; has_flag avx_vnni || isa=avx512vnni
	"$trit" gen "i2s m=256 k=256 isa=$isa" --emit=asm >"$tmp/k.s" 2>"$tmp/err" && grep -q vpdpbusd "$tmp/k.s" &&
		pass gen_asm_vnni || fail gen_asm_vnni "no vpdpbusd in the $isa asm: $(cat "$tmp/err")"
fi
"$trit" gen "i2s m=256 k=256 isa=avx2" --emit=asm >"$tmp/k2.s" 2>"$tmp/err" && grep -q 'vpmaddubsw\|vpmaddwd' "$tmp/k2.s" &&
	! grep -q vpdpbusd "$tmp/k2.s" && pass gen_asm_avx2 || fail gen_asm_avx2 "$(cat "$tmp/err")"
# TL1 and TL2 are generated: IR with the kernel's function, asm with the table lookups (vpshufb)
for kind in tl1 tl2; do
	"$trit" gen "$kind m=256 k=256 isa=avx2" >"$tmp/$kind.ll" 2>"$tmp/err" &&
		grep -q 'define void @trit_k_[0-9a-f]\{16\}(' "$tmp/$kind.ll" && grep -q "^; kernel $kind m=256 k=256 n=1 isa=avx2" "$tmp/$kind.ll" &&
		pass gen_ir_$kind || fail gen_ir_$kind "$(cat "$tmp/err")"
	"$trit" gen "$kind m=256 k=256 isa=avx2" --emit=asm >"$tmp/$kind.s" 2>"$tmp/err" && grep -q vpshufb "$tmp/$kind.s" &&
		pass gen_asm_${kind}_pshufb || fail gen_asm_${kind}_pshufb "no vpshufb in the $kind asm: $(cat "$tmp/err")"
done
# AArch64: the portable (scalar) tier, IR for the aarch64 triple and asm that LLVM vectorised to NEON
"$trit" gen "i2s m=256 k=256" --no-opt --target aarch64-linux-gnu --cpu cortex-a76 >"$tmp/a64.ll" 2>"$tmp/err" &&
	grep -q 'target triple = "aarch64' "$tmp/a64.ll" && grep -q '^; kernel i2s m=256 k=256 n=1 isa=scalar ' "$tmp/a64.ll" &&
	grep -q 'define void @trit_k_[0-9a-f]\{16\}(' "$tmp/a64.ll" && pass gen_aarch64 || fail gen_aarch64 "$(cat "$tmp/err" "$tmp/a64.ll" | head -n 5)"
for kind in i2s tl1 tl2; do
	"$trit" gen "$kind m=256 k=256" --emit=asm --target aarch64-linux-gnu --cpu cortex-a76 >"$tmp/a64.s" 2>"$tmp/err" &&
		grep -q '^# target aarch64' "$tmp/a64.s" && grep -q '[[:space:]]v[0-9]*\.\(16b\|8h\|4s\)' "$tmp/a64.s" &&
		grep -q '^[[:space:]]*ret$' "$tmp/a64.s" && ! grep -q '%[re]\?[a-d]x\|ymm' "$tmp/a64.s" &&
		pass gen_aarch64_asm_$kind || fail gen_aarch64_asm_$kind "$(cat "$tmp/err")"
done

# bad input: one clear line on stderr, exit 1, nothing on stdout
bad() { # name, args...
	name=$1; shift
	"$trit" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q '^trit: ' "$tmp/err"; then
		pass "$name"
	else
		fail "$name" "exit $st, stderr: $(cat "$tmp/err")"
	fi
}
bad gen_bad_flag gen "i2s m=256 k=256" --bogus
bad gen_bad_emit gen "i2s m=256 k=256" --emit=obj
bad gen_no_spec gen
bad gen_bad_isa gen "i2s m=256 k=256 isa=sse9"
bad gen_illegal_spec gen "i2s m=256 k=100 isa=avx2"
bad gen_bad_target gen "i2s m=256 k=256" --target nonsense-cpu-os
bad gen_isa_for_other_arch gen "i2s m=256 k=256 isa=avx2" --target aarch64-linux-gnu
bad kernel_no_in kernel "i2s m=256 k=256"
bad cache_bad_flag cache --frobnicate
bad aot_no_output aot "$src/models/tiny.trit"
bad aot_bad_kind aot "$src/models/tiny.trit" --kinds i2s,tl9 -o "$tmp/k.o"
bad aot_bad_batch aot "$src/models/tiny.trit" --batch 1,0 -o "$tmp/k.o"

# refusal of an ISA this CPU lacks (pretended through the test hook), before LLVM sees it
TRIT_CPU_DISABLE=avx512vnni "$trit" gen "i2s m=256 k=256 isa=avx512vnni" >/dev/null 2>"$tmp/err"
st=$?
[ $st -eq 1 ] && grep -qx 'trit: gen: kernel needs avx512vnni, which this CPU lacks' "$tmp/err" &&
	pass refuse_missing_isa || fail refuse_missing_isa "exit $st: $(cat "$tmp/err")"

# trit kernel: JIT + libffi, against an independent product computed here
python3 - "$tmp" <<'PY'
import random, sys
d = sys.argv[1]
random.seed(7)
m, k, n = 96, 256, 3
w = [[random.randint(-1, 1) for _ in range(k)] for _ in range(m)]
x = [[random.randint(-127, 127) for _ in range(k)] for _ in range(n)]
open(d + "/W.bin", "wb").write(bytes(v & 255 for r in w for v in r))
open(d + "/X.bin", "wb").write(bytes(v & 255 for r in x for v in r))
open(d + "/y.txt", "w").write("".join(" ".join(str(sum(a * b for a, b in zip(wr, xr))) for wr in w) + "\n" for xr in x))
open(d + "/W_bad.bin", "wb").write(bytes([2]) * (m * k))
PY
"$trit" kernel "i2s m=96 k=256 n=3 isa=avx2" --in "$tmp/W.bin" "$tmp/X.bin" >"$tmp/y_got.txt" 2>"$tmp/err" &&
	cmp -s "$tmp/y_got.txt" "$tmp/y.txt" && pass kernel_matches_python || fail kernel_matches_python "$(cat "$tmp/err")"
for kind in tl1 tl2; do
	"$trit" kernel "$kind m=96 k=256 n=3 isa=avx2" --in "$tmp/W.bin" "$tmp/X.bin" >"$tmp/y_got.txt" 2>"$tmp/err" &&
		cmp -s "$tmp/y_got.txt" "$tmp/y.txt" && pass kernel_${kind}_matches_python || fail kernel_${kind}_matches_python "$(cat "$tmp/err")"
done
"$trit" kernel "i2s m=96 k=256 n=3" --in "$tmp/W.bin" "$tmp/X.bin" --out "$tmp/y.bin" 2>"$tmp/err" &&
	[ "$(wc -c <"$tmp/y.bin")" -eq $((96 * 3 * 4)) ] && pass kernel_out_file || fail kernel_out_file "$(cat "$tmp/err")"
bad kernel_wrong_w_size kernel "i2s m=128 k=256 n=3" --in "$tmp/W.bin" "$tmp/X.bin"
bad kernel_wrong_x_size kernel "i2s m=96 k=256 n=2" --in "$tmp/W.bin" "$tmp/X.bin"
bad kernel_not_ternary kernel "i2s m=96 k=256 n=3" --in "$tmp/W_bad.bin" "$tmp/X.bin"
bad kernel_missing_file kernel "i2s m=96 k=256 n=3" --in "$tmp/nope.bin" "$tmp/X.bin"

# a second process compiles nothing
model="$src/models/tiny.trit"
"$trit" cache --clear >/dev/null
"$trit" cache --warm "$model" --batch 1,4 >"$tmp/w1" 2>"$tmp/err" && grep -q '^compiled [1-9][0-9]*, cached 0 ' "$tmp/w1" &&
	"$trit" cache --warm "$model" --batch 1,4 >"$tmp/w2" 2>>"$tmp/err" && grep -q '^compiled 0, cached [1-9]' "$tmp/w2" &&
	pass warm_second_process_compiles_nothing || fail warm_second_process_compiles_nothing "$(cat "$tmp/w1" "$tmp/w2" "$tmp/err")"
n1=$(sed -n 's/^compiled \([0-9]*\),.*/\1/p' "$tmp/w1")
"$trit" cache >"$tmp/list" && grep -q "^$n1 kernels, .* 0 invalid" "$tmp/list" && grep -q 'kernel i2s m=256 k=256 n=4' "$tmp/list" &&
	pass cache_list || fail cache_list "$(cat "$tmp/list")"
[ "$("$trit" cache --dir)" = "$TRIT_CACHE_DIR/kernels" ] && pass cache_dir || fail cache_dir "$("$trit" cache --dir)"

# a corrupted entry: verify flags it, the next run warns once, rebuilds it, verify passes again
f=$(ls "$TRIT_CACHE_DIR/kernels"/*.o | head -n 1)
head -c 100 "$f" >"$f.cut" && mv "$f.cut" "$f"
"$trit" cache --verify >/dev/null 2>&1 && fail verify_flags_corrupt "verify passed a truncated file" || pass verify_flags_corrupt
"$trit" cache --warm "$model" --batch 1,4 >"$tmp/w3" 2>"$tmp/err"
[ "$(grep -c 'is invalid' "$tmp/err")" -eq 1 ] && grep -q '^compiled 1, cached ' "$tmp/w3" && "$trit" cache --verify >/dev/null &&
	pass corrupt_entry_rebuilt || fail corrupt_entry_rebuilt "$(cat "$tmp/w3" "$tmp/err")"

# 4 processes filling one empty cache at once: all succeed, every file validates, no temp files left
"$trit" cache --clear >/dev/null
pids=
for i in 1 2 3 4; do
	"$trit" cache --warm "$model" --batch 1,4 >"$tmp/c$i" 2>&1 &
	pids="$pids $!"
done
ok=1
for p in $pids; do wait "$p" || ok=0; done
"$trit" cache --verify >"$tmp/v" 2>&1 || ok=0
ls "$TRIT_CACHE_DIR/kernels" | grep -q tmp && ok=0
grep -q "^$n1 kernels, .* 0 invalid" "$tmp/v" || ok=0
[ $ok = 1 ] && pass concurrent_fill || fail concurrent_fill "$(cat "$tmp"/c? "$tmp/v")"
"$trit" cache --warm "$model" --batch 1,4 | grep -q '^compiled 0, ' && pass concurrent_fill_then_warm || fail concurrent_fill_then_warm "recompiled"
"$trit" cache --clear | grep -q "^removed $n1 cached kernels" && [ -z "$(ls "$TRIT_CACHE_DIR/kernels")" ] &&
	pass cache_clear || fail cache_clear "not empty"

[ $fails -eq 0 ]
