#!/bin/sh
# convert.sh: `trit convert`: an i2_s -> tq2_0 -> tq1_0 -> f16 -> i2_s chain gives back the original
# bytes and the same logits at every step; --embd-type q6_k re-encodes token_embd/output and the model
# still runs; bad inputs fail with one line, exit 1 and no output file (nor temp file).
# Uses $TRIT (the trit binary) and $TRIT_SRCDIR (the repo root).
TRIT=${TRIT:-./trit}
SRC=${TRIT_SRCDIR:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trit-convert-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
logits() { # model out.bin
	"$TRIT" run -m "$1" --tokens 1,2,3 -n 0 --dump-logits "$2" >/dev/null 2>"$tmp/run.err"
}
llama="$SRC/models/llama3-8b-1.58.trit --layers 2 --embd 256 --ffn 512 --heads 4 --kv-heads 2 --vocab 320"

# round trip through every ternary type, for a tied bitnet model and an untied llama one
for arch in tiny llama; do
	if [ $arch = tiny ]; then desc="$SRC/models/tiny.trit"; else desc=$llama; fi
	# shellcheck disable=SC2086
	if ! "$TRIT" mkmodel $desc --seed 7 -o "$tmp/$arch.i2_s.gguf" 2>"$tmp/err" || ! logits "$tmp/$arch.i2_s.gguf" "$tmp/ref.bin"; then
		fail "roundtrip_$arch" "reference model: $(cat "$tmp/err" "$tmp/run.err")"
		continue
	fi
	prev=$tmp/$arch.i2_s.gguf ok=1
	for t in tq2_0 tq1_0 f16 bf16 f32 i2_s; do
		out=$tmp/$arch.$t.2.gguf
		if ! "$TRIT" convert "$prev" -o "$out" --type $t 2>"$tmp/err"; then
			fail "roundtrip_$arch" "convert to $t: $(cat "$tmp/err")"
			ok=0
			break
		fi
		if ! grep -q "^converted .*: [0-9]* tensors ([0-9]* ternary to $(echo $t | tr a-z A-Z), [0-9]* copied), [0-9]* -> [0-9]* bytes, [0-9.]* s$" "$tmp/err"; then
			fail "roundtrip_$arch" "summary line: $(cat "$tmp/err")"
			ok=0
			break
		fi
		if ! "$TRIT" info -m "$out" >"$tmp/info" 2>&1 ||
			! grep -q "^  blk.1.ffn_down.weight  *$(echo $t | tr a-z A-Z) " "$tmp/info"; then
			fail "roundtrip_$arch" "$t: ffn_down has another type: $(grep ffn_down "$tmp/info" | tail -1)"
			ok=0
			break
		fi
		if ! logits "$out" "$tmp/$t.bin" || ! cmp -s "$tmp/ref.bin" "$tmp/$t.bin"; then
			fail "roundtrip_$arch" "$t: logits differ from the original's $(cat "$tmp/run.err")"
			ok=0
			break
		fi
		prev=$out
	done
	# mkmodel files store positive scales and zero I2_S padding, so the whole file comes back
	if [ $ok = 1 ] && ! cmp -s "$tmp/$arch.i2_s.gguf" "$prev"; then
		fail "roundtrip_$arch" "the final I2_S file differs from the original"
	elif [ $ok = 1 ]; then
		pass "roundtrip_$arch"
	fi
done

# general.file_type follows --type
"$TRIT" convert "$tmp/tiny.i2_s.gguf" -o "$tmp/ft.gguf" --type tq1_0 2>/dev/null
if "$TRIT" info -m "$tmp/ft.gguf" 2>/dev/null | grep -q "^file type: *36 (TQ1_0)"; then
	pass file_type
else
	fail file_type "$("$TRIT" info -m "$tmp/ft.gguf" 2>&1 | grep 'file type')"
fi

# --embd-type: token_embd and output.weight re-encoded, everything else copied, still runs
# shellcheck disable=SC2086
if "$TRIT" convert "$tmp/llama.i2_s.gguf" -o "$tmp/q6.gguf" --embd-type q6_k 2>"$tmp/err" &&
	"$TRIT" info -m "$tmp/q6.gguf" >"$tmp/info" 2>&1 &&
	[ "$(grep -c "^  \(token_embd\|output\).weight  *Q6_K " "$tmp/info")" = 2 ] &&
	grep -q "^  blk.0.attn_q.weight  *I2_S " "$tmp/info" &&
	logits "$tmp/q6.gguf" "$tmp/q6.bin" && [ -s "$tmp/q6.bin" ]; then
	pass embd_type_q6_k
else
	fail embd_type_q6_k "$(cat "$tmp/err" "$tmp/run.err")"
fi
if "$TRIT" convert "$tmp/tiny.i2_s.gguf" -o "$tmp/both.gguf" --type tq2_0 --embd-type q8_0 2>"$tmp/err" &&
	"$TRIT" info -m "$tmp/both.gguf" 2>&1 | grep -q "^  token_embd.weight  *Q8_0 " && logits "$tmp/both.gguf" "$tmp/both.bin"; then
	pass type_and_embd_type
else
	fail type_and_embd_type "$(cat "$tmp/err" "$tmp/run.err")"
fi

# errors: one line, exit 1, no output (nor temp file) left
expect_fail() { # name expected-substring args...
	name=$1 want=$2
	shift 2
	rm -f "$tmp"/bad.gguf*
	"$TRIT" convert "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	lines=$(wc -l <"$tmp/err")
	if [ $st -ne 1 ]; then
		fail "$name" "exit status $st, expected 1 ($(cat "$tmp/err"))"
	elif [ "$lines" -ne 1 ] || ! grep -q -- "$want" "$tmp/err"; then
		fail "$name" "message '$(cat "$tmp/err")' does not say '$want'"
	elif ls "$tmp"/bad.gguf* >/dev/null 2>&1; then
		fail "$name" "a file was left behind"
	else
		pass "$name"
	fi
}
good=$tmp/tiny.i2_s.gguf
head -c 100000 "$good" >"$tmp/trunc.gguf"
echo "this is a text file, not a model at all" >"$tmp/text.gguf"
"$TRIT" mkmodel "$SRC/models/tiny.trit" --embd 384 -o "$tmp/k384.gguf" 2>/dev/null
# an F32 model with one ternary weight made 8.0: not {-a, 0, +a} any more
"$TRIT" mkmodel "$SRC/models/tiny.trit" --type f32 -o "$tmp/f32.gguf" 2>/dev/null
size=$(wc -c <"$tmp/f32.gguf")
printf 'A' | dd of="$tmp/f32.gguf" bs=1 seek=$(((size - 100000) / 4 * 4 + 3)) conv=notrunc 2>/dev/null
expect_fail err_truncated "trunc.gguf" "$tmp/trunc.gguf" -o "$tmp/bad.gguf" --type tq2_0
expect_fail err_not_gguf "not a GGUF" "$tmp/text.gguf" -o "$tmp/bad.gguf" --type tq2_0
expect_fail err_missing_input "no-such.gguf" "$tmp/no-such.gguf" -o "$tmp/bad.gguf" --type tq2_0
expect_fail err_unknown_type "unknown type 'q3'" "$good" -o "$tmp/bad.gguf" --type q3
expect_fail err_dense_type "unknown type 'q6_k'" "$good" -o "$tmp/bad.gguf" --type q6_k
expect_fail err_embd_type "unknown type 'tq2_0'" "$good" -o "$tmp/bad.gguf" --embd-type tq2_0
expect_fail err_missing_o "missing -o" "$good" --type tq2_0
expect_fail err_nothing_to_do "nothing to do" "$good" -o "$tmp/bad.gguf"
expect_fail err_unknown_flag "unknown option '--bogus'" "$good" --bogus 1 -o "$tmp/bad.gguf"
expect_fail err_tq_row_length "tensor 'blk.0.attn_q.weight' \[384, 384\] cannot be stored as TQ2_0: row length ne0 = 384 is not a multiple of TQ2_0's block size 256" \
	"$tmp/k384.gguf" -o "$tmp/bad.gguf" --type tq2_0
expect_fail err_not_ternary "tensor 'blk.1.ffn_down.weight' (F32): element (row .*) is 8.* not a ternary" "$tmp/f32.gguf" -o "$tmp/bad.gguf" --type i2_s
expect_fail err_unwritable "nodir/bad.gguf" "$good" -o "$tmp/nodir/bad.gguf" --type tq2_0
if "$TRIT" convert --help | grep -q "usage: trit convert"; then pass help; else fail help "no usage text"; fi

[ $fails -eq 0 ]
