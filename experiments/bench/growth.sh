#!/bin/sh
# How cost grows: the TopK SAE step against dictionary size (512 … 16,384)
# and against k, and the transformer step against context length (64, 128,
# 256), each with experiments/bench, one after the other; then
# growthplot draws each series (log–log, with its slope) into DIR and prints
# the table.
#   sh experiments/bench/growth.sh [steps] [DIR]
set -eu
steps=${1:-4}
dir=${2:-docs/bench}
go build -o /tmp/bench.$$ ./experiments/bench
trap 'rm -f /tmp/bench.$$ /tmp/growth.$$' EXIT
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(grep -o -w 'avx2\|fma\|avx512f\|avx512bw\|avx512vl\|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for l in 512 1024 2048 4096 8192 16384; do
	echo "sae-latents $l $(/tmp/bench.$$ -workload topk-sae -d-in 512 -latents $l -k 32 -batch 4096 -steps "$steps")" >> /tmp/growth.$$
done
for k in 8 16 32 64 128; do
	echo "sae-k $k $(/tmp/bench.$$ -workload topk-sae -d-in 512 -latents 4096 -k $k -batch 4096 -steps "$steps")" >> /tmp/growth.$$
done
for c in 64 128 256; do
	echo "lm-ctx $c $(/tmp/bench.$$ -workload lm -ctx $c -batch 32 -steps "$steps")" >> /tmp/growth.$$
done
go run ./experiments/bench/growthplot -out "$dir" < /tmp/growth.$$
