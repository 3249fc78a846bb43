#!/bin/sh
# model_bench.sh: the whole-model table of bench/model.md. Makes (once, seeded) the BitNet-b1.58-2B4T-shaped
# I2_S models with F16 tied embeddings, one with the real 128256-token vocabulary and one with 32000 tokens
# (the shape the peer runtimes in bench/model.md were measured on), and runs `trit bench` on each at 1 and 2 threads with the F16 and the
# int8 (--lm-head q8) output layer. The last column is the decode roofline measured in the same run.
#   sh bench/model_bench.sh [DIR]      (DIR holds the ~0.7 and ~1.2 GB models; default /tmp)
# Environment: TRIT (default build/trit), REPS (3), PP (128), TG (64).
set -e
dir=${1:-/tmp}
trit=${TRIT:-build/trit}
reps=${REPS:-3}
pp=${PP:-128}
tg=${TG:-64}
desc=models/bitnet-b1.58-2b-4t.trit
[ -f "$dir/big128k.gguf" ] || "$trit" mkmodel "$desc" --type i2_s --seed 1 -o "$dir/big128k.gguf"
[ -f "$dir/big32k.gguf" ] || "$trit" mkmodel "$desc" --type i2_s --vocab 32000 --seed 1 -o "$dir/big32k.gguf"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null), load $(cut -d' ' -f1-3 /proc/loadavg)"
for m in big32k big128k; do
	echo "## $m: $trit bench -m $dir/$m.gguf -p $pp -n $tg -r $reps -t 1,2"
	"$trit" bench -m "$dir/$m.gguf" -p "$pp" -n "$tg" -r "$reps" -t 1,2
done
