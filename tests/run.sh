#!/bin/sh
# run.sh BUILDDIR SRCDIR: runs every C test binary (each prints PASS/FAIL/SKIP lines per test) and every
# tests/*.sh script (one test each, or its own PASS/FAIL/SKIP lines), then prints
# "N passed, N failed, N skipped". A SKIP line (this machine cannot run that check) never counts as a pass.
builddir=$1
srcdir=$2
cd "$builddir" || exit 2
export TRIT="$builddir/trit" TRIT_SRCDIR="$srcdir"
export TRIT_CACHE_DIR="$builddir/test-cache"
log="$builddir/test.log"
: >"$log"
pass=0 fail=0 skip=0

count() { # count PASS/FAIL/SKIP lines of a test's output file $1 named $2 with exit status $3
	p=$(grep -c '^PASS ' "$1") f=$(grep -c '^FAIL ' "$1") k=$(grep -c '^SKIP ' "$1")
	grep -e '^FAIL ' -e '^SKIP ' "$1"
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$k" -eq 0 ]; then
		# no lines of its own: the test is its exit status
		if [ "$3" -eq 0 ]; then p=1; echo "PASS $2"; else f=1; echo "FAIL $2 (exit $3)"; tail -n 20 "$1"; fi
	else
		if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL $2 (exit $3 without a FAIL line)"; tail -n 20 "$1"; fi
		echo "ok   $2: $p passed, $f failed, $k skipped"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
}

for t in tests/*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	case $t in *.d|*.o|*.log) continue ;; esac
	out="$builddir/$t.log"
	if [ "${t##*/}" = fuzz_gguf ]; then
		mkdir -p "$builddir/fuzz-corpus"
		timeout 120 "./$t" -max_total_time=20 -max_len=4096 -seed=1 "$builddir/fuzz-corpus" >"$out" 2>&1
	else
		timeout 600 "./$t" >"$out" 2>&1
	fi
	st=$?
	cat "$out" >>"$log"
	count "$out" "$t" $st
done

for s in "$srcdir"/tests/*.sh; do
	[ -f "$s" ] || continue
	case ${s##*/} in run.sh) continue ;; esac
	out="$builddir/tests/${s##*/}.log"
	timeout 900 sh "$s" >"$out" 2>&1
	st=$?
	cat "$out" >>"$log"
	count "$out" "${s##*/}" $st
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
