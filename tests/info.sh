#!/bin/sh
# info.sh: `trit info` on generated models (fields, tensor table, totals) and its one-line errors.
# Uses $TRIT (the trit binary) and $TRIT_SRCDIR (the repo root).
TRIT=${TRIT:-./trit}
SRC=${TRIT_SRCDIR:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trit-info-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
check() { # name pattern: the pattern must be in the info output
	if grep -q -- "$2" "$tmp/info"; then pass "$1"; else fail "$1" "no line matching '$2'"; fi
}

if ! "$TRIT" mkmodel "$SRC/models/tiny.trit" --type tq2_0 --seed 2 -o "$tmp/tiny.gguf" 2>"$tmp/err"; then
	fail mkmodel "$(cat "$tmp/err")"
	exit 1
fi
"$TRIT" info -m "$tmp/tiny.gguf" >"$tmp/info" 2>"$tmp/err" || fail info_runs "$(cat "$tmp/err")"
check info_arch "^architecture: bitnet-b1.58$"
check info_name "^name: *tiny$"
check info_file_type "^file type: *37 (TQ2_0)"
check info_hparams "vocab 512, embd 256, ffn 768, layers 2, heads 4, kv_heads 2 (head_dim 64), ctx 256, rope_theta 500000, rms_eps 1e-05"
check info_graph "act relu2, sub_norms true, tied (token_embd) output"
check info_tokenizer "gpt2, 512 tokens, pre-tokenizer llama-bpe, 251 merges"
check info_special "bos 507 '<|begin_of_text|>', eos 508 '<|end_of_text|>', add_bos true"
check info_tensor_row "^  blk.0.ffn_down.weight  *TQ2_0  *\[768, 256\]  *50688$"
check info_norm_row "^  output_norm.weight  *F32  *\[256\]  *1024$"
# totals: the byte column adds up to the total
sum=$(awk '/^  [a-z_.0-9]+ +[A-Z0-9_]+ +\[/ { s += $NF } END { print s }' "$tmp/info")
check info_total "^total: *24 tensors, $sum bytes"
check info_kernels_hook "^kernels:"

"$TRIT" mkmodel "$SRC/models/bitnet_b1_58-large.trit" --layers 1 --embd 256 --ffn 512 --heads 2 --kv-heads 2 \
	--vocab 300 --type f16 -o "$tmp/spm.gguf" 2>/dev/null
"$TRIT" info "$tmp/spm.gguf" >"$tmp/info" 2>&1 # the file may also be given without -m
check info_spm "llama, 300 tokens, pre-tokenizer (none), 0 merges"
check info_spm_special "bos 1 '<s>', eos 2 '</s>'"
check info_spm_graph "act silu, sub_norms true"

expect_fail() { # name expected-substring args...
	name=$1 want=$2
	shift 2
	"$TRIT" info "$@" >/dev/null 2>"$tmp/err"
	st=$?
	if [ $st -ne 1 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q -- "$want" "$tmp/err"; then
		fail "$name" "exit $st, message '$(cat "$tmp/err")', expected '$want'"
	else
		pass "$name"
	fi
}
expect_fail err_missing_file "nope.gguf" -m "$tmp/nope.gguf"
printf 'GGUF\003\000\000\000' >"$tmp/short.gguf"
expect_fail err_truncated "short.gguf" -m "$tmp/short.gguf"
head -c 5000 "$tmp/tiny.gguf" >"$tmp/cut.gguf"
expect_fail err_cut "cut.gguf" -m "$tmp/cut.gguf"
expect_fail err_no_args "missing -m FILE"
expect_fail err_unknown_flag "unknown option '--bogus'" --bogus
if "$TRIT" info --help | grep -q "usage: trit info"; then pass help; else fail help "no usage text"; fi
[ $fails -eq 0 ]
