#!/bin/sh
# tuned_pick.sh: after `trit tune`, the runtime picks the tuned kernels: `trit info` reports "tuned"
# for the GEMV of every tiny shape (and "heuristic" everywhere under TRIT_NO_TUNE=1), and greedy text
# is the same with and without the tuned kernels. Builds without LLVM cannot tune: SKIP.
srcdir=${TRIT_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
trit=${TRIT:-$srcdir/build/trit}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trit-tpick-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
export TRIT_CACHE_DIR="$tmp/cache"
unset TRIT_NO_TUNE TRIT_NO_JIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

"$trit" mkmodel "$srcdir/models/tiny.trit" -o "$tmp/tiny.gguf" >/dev/null 2>"$tmp/err" || {
	fail mkmodel "$(cat "$tmp/err")"
	exit 1
}
# the GEMV lines of info's kernel section: "    n=1    kernel ... (tuned, jit) [cached]"
gemv_lines() { grep -E '^    n=1 ' "$1"; }

# before tuning: everything heuristic
"$trit" info -m "$tmp/tiny.gguf" >"$tmp/info0" 2>"$tmp/err" || fail info_untuned "$(cat "$tmp/err")"
if [ "$(gemv_lines "$tmp/info0" | wc -l)" -ge 1 ] && ! grep -q '(tuned,' "$tmp/info0" &&
	grep -q '^tuned shapes: 0 ' "$tmp/info0"; then
	pass info_untuned_heuristic
else
	fail info_untuned_heuristic "$(grep -E '^    n=|^tuned' "$tmp/info0")"
fi

if ! nice "$trit" tune "$srcdir/models/tiny.trit" --budget 8 >"$tmp/tune" 2>&1; then
	if grep -q "without LLVM" "$tmp/tune"; then
		echo "SKIP tuned_pick: this trit was built without LLVM (no tuning)"
		[ $fails -eq 0 ]
		exit
	fi
	fail tune "$(tail -3 "$tmp/tune")"
	exit 1
fi
pass tune

"$trit" info -m "$tmp/tiny.gguf" >"$tmp/info1" 2>"$tmp/err" || fail info_tuned_runs "$(cat "$tmp/err")"
n1=$(gemv_lines "$tmp/info1" | wc -l)
nt=$(gemv_lines "$tmp/info1" | grep -c '(tuned, ')
# a loaded machine may not reach every shape within the budget: at least one must be tuned
if [ "$n1" -ge 4 ] && [ "$nt" -ge 1 ]; then
	pass "info_gemv_tuned ($nt of $n1 shapes)"
else
	fail info_gemv_tuned "$nt of $n1 GEMV lines tuned: $(gemv_lines "$tmp/info1")"
fi
if ! TRIT_CACHE_DIR="$TRIT_CACHE_DIR" "$trit" tune --show 2>/dev/null | grep -Eq '(^|[[:space:]])64([[:space:]]|$)'; then
	echo "PASS info_gemm_tuned (no n=64 shape was reached within the budget; nothing to check)"
elif grep -Eq '^    n=64 .*\(tuned, ' "$tmp/info1"; then pass info_gemm_tuned
# with AMX the runtime puts the I2S GEMM on it (trit tune does not measure amx) instead of a tuned spec
elif grep -Eq '^    n=64 .*isa=amx .*\(heuristic, ' "$tmp/info1"; then pass "info_gemm_tuned (the GEMM runs on amx)"
else fail info_gemm_tuned "no tuned n=64 line"; fi
if grep -Eq '^tuned shapes: [1-9][0-9]* for this CPU' "$tmp/info1"; then
	pass info_tuned_count
else
	fail info_tuned_count "$(grep '^tuned' "$tmp/info1")"
fi

TRIT_NO_TUNE=1 "$trit" info -m "$tmp/tiny.gguf" >"$tmp/info2" 2>"$tmp/err" || fail info_notune_runs "$(cat "$tmp/err")"
if [ "$(gemv_lines "$tmp/info2" | wc -l)" -eq "$n1" ] && ! grep -q '(tuned,' "$tmp/info2" &&
	[ "$(grep -Ec '^    n=[0-9]+ .*\(heuristic, ' "$tmp/info2")" -eq $((2 * n1)) ]; then
	pass info_notune_heuristic
else
	fail info_notune_heuristic "$(grep -E '^    n=' "$tmp/info2")"
fi

# greedy text: tuned kernels (a prompt longer than one token, so both GEMV and GEMM run) vs heuristic
prompt="The quick brown fox jumps over the lazy dog and keeps running"
"$trit" run -m "$tmp/tiny.gguf" -p "$prompt" --temp 0 -n 8 --no-perf >"$tmp/out1" 2>"$tmp/err1"
st1=$?
TRIT_NO_TUNE=1 "$trit" run -m "$tmp/tiny.gguf" -p "$prompt" --temp 0 -n 8 --no-perf >"$tmp/out2" 2>"$tmp/err2"
st2=$?
if [ $st1 -eq 0 ] && [ $st2 -eq 0 ] && [ -s "$tmp/out1" ] && cmp -s "$tmp/out1" "$tmp/out2"; then
	pass greedy_same_tuned_untuned
else
	fail greedy_same_tuned_untuned "exit $st1/$st2: '$(cat "$tmp/out1" "$tmp/err1")' vs '$(cat "$tmp/out2" "$tmp/err2")'"
fi
[ $fails -eq 0 ]
