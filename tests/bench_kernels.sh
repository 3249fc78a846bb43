#!/bin/sh
# bench_kernels.sh: `trit bench --kernels --quick` end to end: the table, the target verdicts, the
# CSV (header, one row per shape x n x kernel x residency, then one per shape x kind/tier x
# residency), the per kind x ISA tier table and the SVG chart (well-formed XML, one bar per kernel x
# shape). Timings are never asserted. A --without-llvm build must refuse the
# command with its message (then the rest is skipped).
set -u
trit=${TRIT:-./trit}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TRIT_CACHE_DIR="$tmp/cache" # no tuned specs: the tuned rows say "not tuned"
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

"$trit" bench --kernels --reps 2 --quick --csv "$tmp/k.csv" --plot "$tmp/k.svg" >"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st -ne 0 ] && grep -q "built without LLVM" "$tmp/err"; then
	pass bench_kernels_refused_without_llvm
	echo "SKIP bench_kernels: this trit was built with --without-llvm"
	exit 0
fi
[ $st -eq 0 ] && pass bench_kernels_quick_runs || { fail bench_kernels_quick_runs "status $st: $(cat "$tmp/err")"; exit 1; }

head -n 1 "$tmp/out" | grep -q '^command: trit bench --kernels --reps 2 --quick --csv ' &&
	pass prints_command_line || fail prints_command_line "$(head -n 1 "$tmp/out")"
grep -q '^single-thread read bandwidth (16 MiB touched first, .*): [0-9.]* GB/s$' "$tmp/out" &&
	pass prints_bandwidth || fail prints_bandwidth "$(grep bandwidth "$tmp/out")"
# every target has a verdict
v=$(grep -c -E ': (MET|MISSED BY [0-9]+% -- .+)$|NOT MEASURED -- ' "$tmp/out")
[ "$v" -eq 6 ] && pass six_target_verdicts || fail six_target_verdicts "$v verdicts: $(sed -n '/^targets/,$p' "$tmp/out")"

hdr='shape,m,k,n,kernel,residency,status,seconds,gweights_per_s,gb_per_s,pct_of_read_bw,spec'
[ "$(head -n 1 "$tmp/k.csv")" = "$hdr" ] && pass csv_header || fail csv_header "$(head -n 1 "$tmp/k.csv")"
rows=$(($(wc -l <"$tmp/k.csv") - 1))
[ "$rows" -eq 40 ] && pass csv_one_row_per_shape_n_kernel_residency ||
	fail csv_rows "$rows rows, expected 1x2x4x2 = 16 + per kind/tier 1x3x4x2 = 24"
# the per kind x ISA tier table: every kind x (avx2, avxvnni, avx512vnni, ref) x residency, measured
# or n/a with a reason; the scalar reference runs on every CPU, and so does the tier the runtime picks
kt=$(grep -c -E '^256x512,256,512,1,(i2s|tl1|tl2)/(avx2|avxvnni|avx512vnni|ref),(L2|DRAM),(ok,[0-9]|"n/a \(.+\)",)' "$tmp/k.csv")
[ "$kt" -eq 24 ] && pass csv_kind_tier_rows || fail csv_kind_tier_rows "$kt of 24"
refs=$(grep -c -E '^256x512,256,512,1,(i2s|tl1|tl2)/ref,(L2|DRAM),ok,' "$tmp/k.csv")
[ "$refs" -eq 6 ] && pass csv_kind_ref_measured || fail csv_kind_ref_measured "$refs of 6"
grep -q '^per kind and ISA tier (default tiles, n=1, single thread)' "$tmp/out" &&
	[ "$(grep -c -E '^\| 256x512 +\| (i2s|tl1|tl2) +\| (avx2|avxvnni|avx512vnni|ref) +\| ' "$tmp/out")" -eq 12 ] &&
	pass prints_kind_tier_table || fail prints_kind_tier_table "$(sed -n '/^per kind/,$p' "$tmp/out")"
ok=$(grep -c '^256x512,256,512,[0-9]*,default,[A-Z2]*,ok,[0-9.e+-]*,' "$tmp/k.csv")
[ "$ok" -eq 4 ] && pass csv_default_measured || fail csv_default_measured "$ok default rows measured"
nt=$(grep -c ',tuned,[A-Z2]*,"not tuned",' "$tmp/k.csv")
[ "$nt" -eq 4 ] && pass csv_tuned_not_tuned || fail csv_tuned_not_tuned "$nt"

bars=$(python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
bars = [r for r in root.iter(ns + "rect") if r.get("class") == "bar"]
texts = " ".join(t.text or "" for t in root.iter(ns + "text"))
assert "GB/s" in texts and "shape" in texts, "axis labels missing"
for name in ("tuned", "default", "scalar-ref", "avx2-ref"):
    assert name in texts, "legend lacks " + name
print(len(bars))' "$tmp/k.svg" 2>&1)
[ "$bars" = 4 ] && pass svg_well_formed_one_bar_per_kernel_shape || fail svg "$bars"
ls "$tmp" | grep -q '\.tmp' && fail no_temp_files_left "$(ls "$tmp")" || pass no_temp_files_left

# an unwritable plot path: an error, and no output file appears
"$trit" bench --kernels --reps 1 --quick --plot "$tmp/nodir/k.svg" >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && [ ! -e "$tmp/nodir/k.svg" ] && pass unwritable_plot_fails || fail unwritable_plot_fails "$(cat "$tmp/err")"
"$trit" bench --kernels --bogus >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "unknown option '--bogus'" "$tmp/err" && pass unknown_option_refused ||
	fail unknown_option_refused "$(cat "$tmp/err")"
exit $fails
