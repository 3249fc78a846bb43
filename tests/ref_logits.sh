#!/bin/sh
# ref_logits.sh: end-to-end logits of tiny random models, trit vs the independent numpy reference
# (tests/ref/).  For each architecture x storage type: `trit mkmodel` a tiny model, dump trit's
# logits of a fixed token list (one batched prefill), recompute them in numpy and compare:
# max_t max_v |trit - ref| / max_v |ref[t]| <= 1e-3 and identical argmax at every position.
# Prints PASS/FAIL lines; exits non-zero on any failure.  Missing pieces (trit commands, model
# descriptions, python3 with numpy) are failures, never silent skips.
srcdir=${TRIT_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
trit=${TRIT:-$srcdir/build/trit}
ref=$srcdir/tests/ref
tokens=1,7,42,100,255,3,42,200
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ref_logits.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
export PYTHONDONTWRITEBYTECODE=1 # keep the source tree clean

fail() { echo "FAIL $*"; fails=$((fails + 1)); }

python=
for p in "${PYTHON:-}" python3 /usr/bin/python3; do
	[ -n "$p" ] && "$p" -c 'import numpy' 2>/dev/null && { python=$p; break; }
done
if [ -z "$python" ]; then
	echo "FAIL ref_logits: no python3 with numpy found (set PYTHON=...; Debian: apt-get install python3-numpy)"
	exit 1
fi

"$python" "$ref/selftest.py" "$tmp" || fails=$((fails + 1))

if [ ! -x "$trit" ]; then
	echo "FAIL ref_logits: trit binary not found at $trit (set TRIT=...)"
	exit 1
fi

for cmd in mkmodel run; do
	"$trit" "$cmd" --help >"$tmp/out" 2>&1
	if grep -qi 'not implemented' "$tmp/out"; then
		echo "FAIL ref_logits: this trit lacks '$cmd': $(tail -n 1 "$tmp/out")"
		exit 1
	fi
done

# one_case NAME MODEL.trit TYPE SEED "MKMODEL OPTIONS" ["RUN OPTIONS" [KV_TYPE [LM_HEAD]]]: makes the model
# and trit's dump, and adds the case to the manifest the reference checks in one process at the end
# (option strings are split on spaces)
: >"$tmp/manifest"
one_case() {
	name=$1 desc=$srcdir/models/$2 type=$3 seed=$4 mkopts=$5 runopts=${6:-} kvtype=${7:-f16} head=${8:-file}
	if [ ! -f "$desc" ]; then
		fail "$name: model description $desc is missing"
		return
	fi
	# shellcheck disable=SC2086
	if ! "$trit" mkmodel "$desc" --type "$type" --seed "$seed" -o "$tmp/$name.gguf" $mkopts \
		>"$tmp/out" 2>&1; then
		fail "$name: trit mkmodel failed: $(tail -n 1 "$tmp/out")"
		return
	fi
	# shellcheck disable=SC2086
	if ! "$trit" run -m "$tmp/$name.gguf" --tokens "$tokens" -n 0 --dump-logits "$tmp/$name.bin" $runopts \
		>"$tmp/out" 2>&1; then
		fail "$name: trit run --dump-logits failed: $(tail -n 1 "$tmp/out")"
		return
	fi
	echo "$name $tmp/$name.gguf $tmp/$name.bin $kvtype $head" >>"$tmp/manifest"
}

small="--layers 2 --embd 256 --ffn 512 --heads 4 --vocab 320"
for type in i2_s tq2_0 tq1_0 f16; do
	one_case "bitnet-b1.58-tiny-$type" tiny.trit "$type" 11 ""
	one_case "bitnet-large-small-$type" bitnet_b1_58-large.trit "$type" 12 "$small --kv-heads 4"
	one_case "llama3-small-$type" llama3-8b-1.58.trit "$type" 13 "$small --kv-heads 2"
done
# the other storage types mkmodel writes, on the tiny model
for type in bf16 f32; do
	one_case "bitnet-b1.58-tiny-$type" tiny.trit "$type" 14 ""
done
# token_embd (the tied output layer) in the quantized types trit reads
for etype in q8_0 q4_k q5_k q6_k bf16; do
	one_case "bitnet-b1.58-tiny-embd-$etype" tiny.trit tq2_0 15 "--embd-type $etype"
done
# the LUT kernel kinds (the other cases use the default choice)
for kind in tl1 tl2; do
	one_case "bitnet-b1.58-tiny-i2_s-kernel-$kind" tiny.trit i2_s 11 "" "--kernel $kind"
done
# untied output.weight in a K-quant, and an F32 KV cache (the reference then keeps K and V in F32)
one_case "llama3-small-output-q6_k-kv-f32" llama3-8b-1.58.trit i2_s 16 "$small --kv-heads 2 --embd-type q6_k" \
	"-ctk f32" f32
# a head size that is not a multiple of 8 (the attention's plain-C path) and grouped query heads (2 per KV head)
one_case "bitnet-3b-hd100-f16" bitnet_b1_58-3b.trit f16 19 "--layers 1 --embd 200 --ffn 256 --heads 2 --kv-heads 1 --vocab 300"
# the int8 output layer (--lm-head q8), tied F16 and untied Q6_K, prefill and thread counts
one_case "bitnet-b1.58-tiny-lm-head-q8" tiny.trit i2_s 17 "" "--lm-head q8" f16 q8
one_case "llama3-small-lm-head-q8-t1" llama3-8b-1.58.trit tq2_0 18 "$small --kv-heads 2 --embd-type q6_k" \
	"--lm-head q8 -t 1" f16 q8

if [ -s "$tmp/manifest" ]; then
	"$python" "$ref/compare.py" --tokens "$tokens" --tol 1e-3 --manifest "$tmp/manifest" || fails=$((fails + 1))
fi
[ "$fails" -eq 0 ]
