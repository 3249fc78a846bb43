#!/bin/sh
# mkmodel.sh: `trit mkmodel` for every architecture and storage type (small overridden dims):
# the file loads in `trit info` with the right arch/types; same seed -> same bytes, another seed
# -> other bytes; bad flags fail with one clear line and leave no file.
# Uses $TRIT (the trit binary) and $TRIT_SRCDIR (the repo root).
TRIT=${TRIT:-./trit}
SRC=${TRIT_SRCDIR:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trit-mkmodel-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
small="--layers 2 --embd 256 --ffn 512 --heads 4 --kv-heads 2 --ctx 64"

# architecture x type matrix
for desc in bitnet-b1.58-2b-4t bitnet_b1_58-large llama3-8b-1.58 falcon3-1b-1.58bit falcon-e-1b; do
	for type in i2_s tq2_0 tq1_0 f16; do
		name="matrix_${desc}_$type"
		out="$tmp/$desc-$type.gguf"
		if ! "$TRIT" mkmodel "$SRC/models/$desc.trit" $small --vocab 600 --type "$type" --seed 3 -o "$out" 2>"$tmp/err"; then
			fail "$name" "mkmodel failed: $(cat "$tmp/err")"
			continue
		fi
		if ! "$TRIT" info -m "$out" >"$tmp/info" 2>"$tmp/err"; then
			fail "$name" "info failed: $(cat "$tmp/err")"
			continue
		fi
		arch=$(sed -n 's/^architecture: *//p' "$tmp/info")
		want=$(sed -n 's/^arch *//p' "$SRC/models/$desc.trit")
		T=$(echo "$type" | tr a-z A-Z)
		if [ "$arch" != "$want" ]; then
			fail "$name" "architecture '$arch', expected '$want'"
		elif ! grep -q "^  blk.1.ffn_down.weight  *$T  *\[512, 256\]" "$tmp/info"; then
			fail "$name" "ffn_down is not $T [512, 256]: $(grep ffn_down "$tmp/info" | tail -1)"
		elif ! grep -q "^  token_embd.weight  *F16  *\[256, 600\]" "$tmp/info"; then
			fail "$name" "token_embd is not F16 [256, 600]"
		elif ! grep -q "vocab 600, embd 256, ffn 512, layers 2, heads 4, kv_heads 2" "$tmp/info"; then
			fail "$name" "hyper-parameters: $(grep hyper "$tmp/info")"
		else
			pass "$name"
		fi
		rm -f "$out"
	done
done

# tensor sets differ per architecture: sub-norms for bitnet*, output.weight when untied
"$TRIT" mkmodel "$SRC/models/llama3-8b-1.58.trit" $small --vocab 600 -o "$tmp/l.gguf" 2>/dev/null &&
	"$TRIT" info -m "$tmp/l.gguf" >"$tmp/l.info" 2>&1
if grep -q "_sub_norm.weight" "$tmp/l.info" || ! grep -q "^  output.weight " "$tmp/l.info"; then
	fail llama_tensor_set "llama must have output.weight and no sub-norms"
else
	pass llama_tensor_set
fi
"$TRIT" mkmodel "$SRC/models/tiny.trit" -o "$tmp/t.gguf" 2>/dev/null && "$TRIT" info -m "$tmp/t.gguf" >"$tmp/t.info" 2>&1
n=$(grep -c "^  blk\.[0-9]*\." "$tmp/t.info")
if [ "$n" != 22 ] || grep -q "^  output.weight " "$tmp/t.info" || ! grep -q "relu2, sub_norms true, tied" "$tmp/t.info"; then
	fail tiny_tensor_set "expected 22 block tensors, tied, relu2 + sub-norms; got $n"
else
	pass tiny_tensor_set
fi
if grep -q "tokenizer: *gpt2, 512 tokens, pre-tokenizer llama-bpe, 251 merges" "$tmp/t.info" &&
	grep -q "bos 507 '<|begin_of_text|>', eos 508 '<|end_of_text|>'" "$tmp/t.info"; then
	pass tiny_tokenizer
else
	fail tiny_tokenizer "$(grep -A1 '^tokenizer' "$tmp/t.info")"
fi
"$TRIT" mkmodel "$SRC/models/bitnet_b1_58-large.trit" $small --vocab 400 -o "$tmp/s.gguf" 2>/dev/null &&
	"$TRIT" info -m "$tmp/s.gguf" >"$tmp/s.info" 2>&1
if grep -q "tokenizer: *llama, 400 tokens, pre-tokenizer (none), 0 merges" "$tmp/s.info" &&
	grep -q "bos 1 '<s>', eos 2 '</s>'" "$tmp/s.info" && grep -q "act silu, sub_norms true" "$tmp/s.info"; then
	pass spm_tokenizer
else
	fail spm_tokenizer "$(grep -A1 '^tokenizer' "$tmp/s.info")"
fi

# embedding types
for et in f32 q8_0 q6_k; do
	if "$TRIT" mkmodel "$SRC/models/tiny.trit" --embd-type $et -o "$tmp/e.gguf" 2>"$tmp/err" &&
		"$TRIT" info -m "$tmp/e.gguf" | grep -q "^  token_embd.weight  *$(echo $et | tr a-z A-Z) "; then
		pass "embd_type_$et"
	else
		fail "embd_type_$et" "$(cat "$tmp/err")"
	fi
done

# --vocab-from copies the tokenizer, and the vocabulary size follows it
if "$TRIT" mkmodel "$SRC/models/bitnet-b1.58-2b-4t.trit" $small --vocab-from "$tmp/t.gguf" -o "$tmp/v.gguf" 2>"$tmp/err" &&
	"$TRIT" info -m "$tmp/v.gguf" >"$tmp/v.info" && grep -q "vocab 512," "$tmp/v.info" &&
	grep -q "^  token_embd.weight  *F16  *\[256, 512\]" "$tmp/v.info" &&
	grep -q "gpt2, 512 tokens, pre-tokenizer llama-bpe, 251 merges" "$tmp/v.info"; then
	pass vocab_from
else
	fail vocab_from "$(cat "$tmp/err")"
fi

# determinism
"$TRIT" mkmodel "$SRC/models/tiny.trit" --type tq1_0 --seed 5 -o "$tmp/a.gguf" 2>/dev/null
"$TRIT" mkmodel "$SRC/models/tiny.trit" --type tq1_0 --seed 5 -o "$tmp/b.gguf" 2>/dev/null
"$TRIT" mkmodel "$SRC/models/tiny.trit" --type tq1_0 --seed 6 -o "$tmp/c.gguf" 2>/dev/null
if [ -s "$tmp/a.gguf" ] && cmp -s "$tmp/a.gguf" "$tmp/b.gguf"; then pass same_seed_same_bytes; else fail same_seed_same_bytes "files differ"; fi
if [ -s "$tmp/c.gguf" ] && ! cmp -s "$tmp/a.gguf" "$tmp/c.gguf"; then pass other_seed_other_bytes; else fail other_seed_other_bytes "files are equal"; fi

# errors: one line, exit 1, no file (nor temp file) left
expect_fail() { # name expected-substring args...
	name=$1 want=$2
	shift 2
	rm -f "$tmp"/bad.gguf*
	"$TRIT" mkmodel "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	lines=$(wc -l <"$tmp/err")
	if [ $st -ne 1 ]; then
		fail "$name" "exit status $st, expected 1"
	elif [ "$lines" -ne 1 ] || ! grep -q -- "$want" "$tmp/err"; then
		fail "$name" "message '$(cat "$tmp/err")' does not say '$want'"
	elif ls "$tmp"/bad.gguf* >/dev/null 2>&1; then
		fail "$name" "a file was left behind"
	else
		pass "$name"
	fi
}
tiny="$SRC/models/tiny.trit"
expect_fail err_unknown_flag "unknown option '--bogus'" "$tiny" --bogus 1 -o "$tmp/bad.gguf"
expect_fail err_missing_o "missing -o FILE" "$tiny"
expect_fail err_bad_type "unknown type 'q3'" "$tiny" --type q3 -o "$tmp/bad.gguf"
expect_fail err_non_ternary_type "cannot hold ternary weights" "$tiny" --type q8_0 -o "$tmp/bad.gguf"
expect_fail err_bad_embd_type "embedding type TQ2_0 is not one trit writes" "$tiny" --embd-type tq2_0 -o "$tmp/bad.gguf"
expect_fail err_bad_number "--layers expects an integer between 1 and" "$tiny" --layers 0 -o "$tmp/bad.gguf"
expect_fail err_missing_value "--seed needs a value" "$tiny" -o "$tmp/bad.gguf" --seed
expect_fail err_unwritable "cannot write '$tmp/nodir/bad.gguf'" "$tiny" -o "$tmp/nodir/bad.gguf"
expect_fail err_no_description "missing the model description" -o "$tmp/bad.gguf"
expect_fail err_bad_description "no.trit" "$tmp/no.trit" -o "$tmp/bad.gguf"
expect_fail err_heads "expected heads to divide embd" "$tiny" --heads 3 --kv-heads 1 -o "$tmp/bad.gguf"
expect_fail err_row_length "tensor 'blk.0.attn_q.weight' \[200, 200\] cannot be stored as I2_S" "$tiny" --embd 200 --heads 4 -o "$tmp/bad.gguf"
expect_fail err_tq_row_length "cannot be stored as TQ2_0" "$TRIT_SRCDIR/models/bitnet_b1_58-3b.trit" --type tq2_0 --layers 1 --vocab 400 -o "$tmp/bad.gguf"
expect_fail err_small_vocab "gpt2 vocabulary needs at least 261 tokens" "$tiny" --vocab 100 -o "$tmp/bad.gguf"
expect_fail err_vocab_from "not a GGUF file" "$tiny" --vocab-from "$tmp/t.info" -o "$tmp/bad.gguf"
if "$TRIT" mkmodel --help | grep -q "usage: trit mkmodel"; then pass help; else fail help "no usage text"; fi

[ $fails -eq 0 ]
