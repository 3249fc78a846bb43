#!/bin/sh
# run_cli.sh: trit run / chat / perplexity / bench end to end on tiny mkmodel models: greedy text is
# identical for every --kernel kind and thread count, --dump-logits writes [n][vocab] floats, chat
# works on piped input and ends at EOF, and bad input gives one error line and exit 1.
srcdir=${TRIT_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
trit=${TRIT:-$srcdir/build/trit}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
export TRIT_CACHE_DIR="$tmp/cache"
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

"$trit" mkmodel "$srcdir/models/tiny.trit" --seed 3 -o "$tmp/m.gguf" >/dev/null 2>&1 || { fail "mkmodel"; exit 1; }
"$trit" mkmodel "$srcdir/models/tiny.trit" --seed 3 --type tq1_0 -o "$tmp/m1.gguf" >/dev/null 2>&1 || { fail "mkmodel tq1_0"; exit 1; }
"$trit" mkmodel "$srcdir/models/llama3-8b-1.58.trit" --seed 4 --layers 2 --embd 256 --ffn 512 --heads 4 \
	--kv-heads 2 --vocab 320 -o "$tmp/l.gguf" >/dev/null 2>&1 || { fail "mkmodel llama"; exit 1; }

# greedy generation: same text for every kernel kind, thread count and storage type
ref=
for model in m.gguf m1.gguf; do
	for k in ref i2s tl1 tl2 auto; do
		for t in 1 2; do
			out=$("$trit" run -m "$tmp/$model" -p "Once upon a time" -n 24 --temp 0 --kernel $k -t $t --no-perf 2>"$tmp/err")
			st=$?
			if [ $st -ne 0 ]; then
				fail "run $model --kernel $k -t $t: exit $st: $(tail -n 1 "$tmp/err")"
				continue
			fi
			[ -z "$ref" ] && ref=$out
			[ "$out" = "$ref" ] || fail "run $model --kernel $k -t $t: greedy text differs"
		done
	done
done
case $ref in "Once upon a time"?*) pass "greedy text identical across kernels, threads, storage" ;; *) fail "greedy run printed '$ref'" ;; esac

# llama architecture runs too, and -s fixes the sampled text
a=$("$trit" run -m "$tmp/l.gguf" -p "hello" -n 16 -s 7 --no-perf 2>/dev/null)
b=$("$trit" run -m "$tmp/l.gguf" -p "hello" -n 16 -s 7 --no-perf 2>/dev/null)
[ -n "$a" ] && [ "$a" = "$b" ] && pass "same seed, same text (llama)" || fail "seeded sampling is not reproducible"

# --dump-logits: n_tokens * n_vocab floats
if "$trit" run -m "$tmp/m.gguf" --tokens 1,2,3,4,5 -n 0 --dump-logits "$tmp/l.bin" --no-perf 2>"$tmp/err"; then
	size=$(wc -c <"$tmp/l.bin")
	[ "$size" -eq $((5 * 512 * 4)) ] && pass "dump-logits size" || fail "dump-logits wrote $size bytes"
else
	fail "dump-logits: $(tail -n 1 "$tmp/err")"
fi

# chat: piped turns, clean end at EOF
out=$(printf 'hi there\nhow are you\n' | "$trit" chat -m "$tmp/m.gguf" -n 8 --temp 0 -sys "Be brief." --no-perf 2>"$tmp/err")
st=$?
[ $st -eq 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -ge 2 ] && pass "chat on piped input" || fail "chat: exit $st: $(tail -n 1 "$tmp/err")"
printf '' | "$trit" run -cnv -m "$tmp/m.gguf" --no-perf >/dev/null 2>&1 && pass "run -cnv at EOF" || fail "run -cnv at EOF"

# perplexity output format
i=0
while [ $i -lt 40 ]; do echo "the cat sat on the mat and the dog ran in the park"; i=$((i + 1)); done >"$tmp/text"
out=$("$trit" perplexity -m "$tmp/m.gguf" -f "$tmp/text" -c 64 --no-perf 2>"$tmp/err")
echo "$out" | grep -q '^\[1\][0-9.]*,\[2\]' && echo "$out" | grep -q '^Final estimate: PPL = [0-9.]* +/- [0-9.]*$' &&
	pass "perplexity output" || fail "perplexity printed: $out $(tail -n 1 "$tmp/err")"

# bench table
"$trit" bench -m "$tmp/m.gguf" -p 16 -n 4 -r 2 -t 1 2>"$tmp/err" | grep -q '| *tg4 |' && pass "bench table" ||
	fail "bench: $(tail -n 1 "$tmp/err")"

# bad input: one line on stderr, exit 1
bad() { # NAME ARGS...
	name=$1
	shift
	"$trit" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	lines=$(wc -l <"$tmp/err")
	if [ $st -eq 1 ] && [ "$lines" -eq 1 ] && grep -q '^trit: ' "$tmp/err"; then pass "error: $name"; else
		fail "error: $name: exit $st, stderr: $(cat "$tmp/err")"
	fi
}
bad "missing model" run -m "$tmp/nope.gguf" -p hi
bad "unknown flag" run -m "$tmp/m.gguf" --frobnicate
bad "prompt longer than context" run -m "$tmp/m.gguf" -c 8 -p "one two three four five six seven eight nine ten eleven"
bad "token out of range" run -m "$tmp/m.gguf" --tokens 1,99999 -n 0
bad "bad kernel" run -m "$tmp/m.gguf" --kernel avx9 -p hi
bad "bad lm-head" run -m "$tmp/m.gguf" --lm-head q4 -p hi
bad "no prompt" run -m "$tmp/m.gguf"
head -c 1000 "$tmp/m.gguf" >"$tmp/trunc.gguf"
bad "truncated model" run -m "$tmp/trunc.gguf" -p hi
echo "not a gguf file at all" >"$tmp/junk.gguf"
bad "not a GGUF file" run -m "$tmp/junk.gguf" -p hi
bad "bad chat template" chat -m "$tmp/m.gguf" --chat-template zz
bad "perplexity text too short" perplexity -m "$tmp/m.gguf" -f "$tmp/err" -c 64
# invalid UTF-8 in a prompt is tokenized bytewise, not refused
"$trit" run -m "$tmp/m.gguf" -p "$(printf 'a\377\376b')" -n 2 --temp 0 --no-perf >/dev/null 2>&1 &&
	pass "invalid UTF-8 prompt" || fail "invalid UTF-8 prompt refused"
# the demo model without -m
out=$(env -u TRIT_MODEL "$trit" run -p "hi" -n 4 --temp 0 --no-perf 2>"$tmp/err")
grep -q 'demo model' "$tmp/err" && [ -n "$out" ] && pass "demo model" || fail "demo model: $(tail -n 1 "$tmp/err")"

[ $fails -eq 0 ]
