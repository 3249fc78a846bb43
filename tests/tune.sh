#!/bin/sh
# tune.sh: `trit tune` end to end on models/tiny.trit with short budgets: finishes within its
# budget, writes records.jsonl (with the L2 and DRAM figures) and best.tsv, every key measures the
# default spec, --show prints the table, a second run appends, an
# injected child crash is recorded and the run goes on, records of another CPU are ignored, and
# SIGINT stops a run keeping what it measured.
set -u
trit=${TRIT:-./trit}
src=${TRIT_SRCDIR:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TRIT_CACHE_DIR="$tmp/cache"
unset TRIT_TUNE_CRASH_TEST
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
rec="$TRIT_CACHE_DIR/tune/records.jsonl"
best="$TRIT_CACHE_DIR/tune/best.tsv"
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

"$trit" tune --budget nope models/tiny.trit >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "expected a positive number" "$tmp/err" && pass bad_budget_refused ||
	fail bad_budget_refused "$(cat "$tmp/err")"

# a --without-llvm build: tuning says why in one line, --show still works
if ! "$trit" gen --help >/dev/null 2>&1; then
	"$trit" tune "$src/models/tiny.trit" >/dev/null 2>"$tmp/err"
	[ $? -ne 0 ] && grep -q "built without LLVM" "$tmp/err" && pass without_llvm_refuses ||
		fail without_llvm_refuses "$(cat "$tmp/err")"
	"$trit" tune --show >"$tmp/show" 2>&1 && grep -q "no tuned shapes yet" "$tmp/show" &&
		pass without_llvm_show || fail without_llvm_show "$(cat "$tmp/show")"
	exit $fails
fi

t0=$(date +%s)
"$trit" tune "$src/models/tiny.trit" --budget 10 >"$tmp/out1" 2>"$tmp/err1"
st=$?
t1=$(date +%s)
[ $st -eq 0 ] && [ $((t1 - t0)) -le 14 ] && pass tune_within_budget ||
	fail tune_within_budget "status $st after $((t1 - t0)) s: $(cat "$tmp/err1")"
n1=$(lines "$rec")
[ "$n1" -gt 0 ] && grep -q '"key":"m=256,k=256,n=1;cpu=' "$rec" && grep -q '"llvm":"' "$rec" &&
	pass records_written || fail records_written "$n1 records"
grep -q "^m=256,k=256,n=1;cpu=[0-9a-f]*	" "$best" && grep -q ",n=64;cpu=" "$best" &&
	pass best_tsv_written || fail best_tsv_written "$(cat "$best" 2>&1)"
grep -q "^m=256 k=256 n=1: .* measured, best kernel" "$tmp/out1" && pass one_line_per_shape ||
	fail one_line_per_shape "$(cat "$tmp/out1")"
# every key measured the default spec: it won ("= default") or the winner is compared with it
keys=$(grep -c "^m=[0-9]* k=[0-9]* n=[0-9]*: .* measured, best kernel" "$tmp/out1")
withdef=$(grep -c -E "^m=[0-9]+ k=[0-9]+ n=[0-9]+: .* measured, best kernel .*(\(= default\)|, default in the duel L2 )" "$tmp/out1")
[ "$keys" -gt 0 ] && [ "$keys" -eq "$withdef" ] && pass default_measured_for_every_key ||
	fail default_measured_for_every_key "$withdef of $keys: $(cat "$tmp/out1")"
grep -q '"method":"1t-l2+dram/1","l2":[0-9]' "$rec" && pass records_carry_l2_dram ||
	fail records_carry_l2_dram "$(head -n 2 "$rec")"

"$trit" tune --show >"$tmp/show" 2>&1
[ $? -eq 0 ] && grep -q "^shape  *batch  *time_ms  *Gweights/s" "$tmp/show" && grep -q "^256x256  *1 " "$tmp/show" &&
	grep -Eq "^[0-9]+x[0-9]+ +64 " "$tmp/show" && pass show_table || fail show_table "$(cat "$tmp/show")"
# every row knows the default's time (it is always measured); a winner that is the default says so
awk '/^[0-9]+x[0-9]+ / && $5 == "-" { bad = 1 } END { exit bad }' "$tmp/show" && pass show_default_times ||
	fail show_default_times "$(cat "$tmp/show")"
awk '/^[0-9]+x[0-9]+ / && / \(= default\)$/ && $6 != "x1.00" { bad = 1 } END { exit bad }' "$tmp/show" &&
	pass show_default_winner_is_x1 || fail show_default_winner_is_x1 "$(cat "$tmp/show")"

# a second run appends to the log
"$trit" tune "$src/models/tiny.trit" --budget 3 --batch 1 --kinds i2s >"$tmp/out2" 2>&1
n2=$(lines "$rec")
[ "$n2" -gt "$n1" ] && pass second_run_appends || fail second_run_appends "$n1 -> $n2: $(cat "$tmp/out2")"

# the first child of this run dies of SIGSEGV: recorded, and the run goes on measuring
TRIT_TUNE_CRASH_TEST=1 "$trit" tune "$src/models/tiny.trit" --budget 3 --batch 1 >"$tmp/out3" 2>&1
st=$?
n3=$(lines "$rec")
crashes=$(grep -c '"error":"crashed: signal 11"' "$rec")
[ $st -eq 0 ] && [ "$crashes" -eq 1 ] && [ "$n3" -gt $((n2 + 1)) ] && pass crash_recorded_and_survived ||
	fail crash_recorded_and_survived "status $st, $crashes crash records, $n2 -> $n3: $(cat "$tmp/out3")"

# a record from another CPU, absurdly fast, must not win
printf '%s\n' '{"key":"m=256,k=256,n=1;cpu=0000000000000000","config":"kernel i2s m=256 k=256 n=1 isa=avx2 bm=96 bk=128 rb=3 unroll=1 prefetch=12345 threads=1","time":1e-12,"times":[1e-12],"error":null,"cpu":"Fake CPU 9000","features":"neon dotprod","trit":"0.1.0","llvm":"19.1.7","date":"2020-01-01T00:00:00Z"}' >>"$rec"
printf '{"key":"m=256,k=256,n=1;cpu=1' >>"$rec"  # a truncated line (a writer that died)
"$trit" tune --show >"$tmp/show2" 2>"$tmp/err2"
[ $? -eq 0 ] && ! grep -q "prefetch=12345" "$tmp/show2" "$best" && grep -q ", 1 from other CPUs ignored" "$tmp/show2" &&
	[ "$(grep -c "skipped 1 unreadable record" "$tmp/err2")" -eq 1 ] && pass other_cpu_and_corrupt_ignored ||
	fail other_cpu_and_corrupt_ignored "$(cat "$tmp/show2" "$tmp/err2")"

# SIGINT stops the run, keeps the records and still writes best.tsv
rm -f "$best"
n4=$(lines "$rec")
"$trit" tune "$src/models/tiny.trit" --budget 60 >"$tmp/out4" 2>&1 &
pid=$!
sleep 3
kill -INT $pid
t0=$(date +%s)
wait $pid
st=$?
t1=$(date +%s)
n5=$(lines "$rec")
[ $st -eq 130 ] && [ $((t1 - t0)) -le 3 ] && [ "$n5" -gt "$n4" ] && [ -s "$best" ] &&
	grep -q "^interrupted: " "$tmp/out4" && pass sigint_keeps_results ||
	fail sigint_keeps_results "status $st, $n4 -> $n5 records: $(cat "$tmp/out4")"
exit $fails
