#!/bin/sh
# Our float32 GEMM (experiments/bench -workload sgemm, graph.MatMul32)
# against OpenBLAS's on the shapes of the SAE and transformer rows, and the
# machine's FMA peak, in rounds of the same session; prints the CPU and a
# markdown row per shape with the best figure of each side over the rounds
# (other jobs only ever slow a run down).
#   sh experiments/bench/compare_sgemm.sh [steps] [rounds]
set -eu
steps=${1:-6}
rounds=${2:-3}
dir=$(dirname "$0")
. "$dir/blas_check.sh"
go build -o /tmp/bench.$$ ./experiments/bench
trap 'rm -f /tmp/bench.$$' EXIT
cores=$(nproc)
nominal=$(awk -F: '/^cpu MHz/ {s += $2; n++} END {printf "%.0f", s / n}' /proc/cpuinfo)
# The clock the cores run at under load (boost runs above /proc/cpuinfo's
# nominal MHz): dependent ADD chains on every core at once, the slowest core.
mhz=$(/tmp/bench.$$ -workload clock | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["mhz_min"]))')
flags=$(grep -o -w 'avx2\|fma\|avx512f\|avx512bw\|avx512vl\|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')
vendor=$(sed -n 's/^vendor_id\s*: *//p' /proc/cpuinfo | head -1)
# FP32 lanes per FMA and cycle, two FMA units a core: AVX-512 on Intel
# doubles them; AMD's Zen 4 runs a 512-bit FMA as two 256-bit halves.
lanes=8
case "$flags" in *avx512f*) [ "$vendor" = GenuineIntel ] && lanes=16 ;; esac
peak=$(awk -v c="$cores" -v l="$lanes" -v f="$mhz" 'BEGIN {printf "%.0f", c * 2 * l * 2 * f / 1000}')
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $cores cores at $mhz MHz measured under load (bench -workload clock; /proc/cpuinfo says $nominal); $flags"
echo "FMA peak: $cores cores × 2 FMA units × $lanes lanes × 2 FLOP × $mhz MHz = $peak GFLOP/s"
echo "Go: /tmp/bench -workload sgemm -m M -k K -n N -steps $steps; OpenBLAS: /usr/bin/python3 $dir/sgemm_peer.py M K N $steps; best of $rounds rounds"
echo "| shape M×K·K×N | what | Go GFLOP/s | OpenBLAS GFLOP/s | Go ÷ OpenBLAS | Go ÷ peak |"
echo "|---|---|---|---|---|---|"
for shape in "1024 512 4096 SAE encoder, batch 1024" "1024 4096 512 SAE decoder, batch 1024" \
	"4096 512 4096 TopK SAE encoder, 4096 rows" "4096 512 16384 TopK SAE encoder, 16384 latents" \
	"2048 128 512 LM MLP in (32×64 tokens)" "2048 512 128 LM MLP out" "2048 128 256 LM unembed"; do
	set -- $shape
	m=$1 k=$2 n=$3
	shift 3
	what="$*"
	g=0 o=0
	for _ in $(seq 1 "$rounds"); do
		gi=$(/tmp/bench.$$ -workload sgemm -m "$m" -k "$k" -n "$n" -steps "$steps" | python3 -c 'import json,sys; print(json.load(sys.stdin)["gflops"])')
		oi=$(/usr/bin/python3 "$dir/sgemm_peer.py" "$m" "$k" "$n" "$steps" | python3 -c 'import json,sys; print(json.load(sys.stdin)["gflops"])')
		g=$(python3 -c "print(max($g, $gi))")
		o=$(python3 -c "print(max($o, $oi))")
	done
	python3 -c "print('| %d×%d·%d×%d | %s | %.1f | %.1f | %.2f | %.0f%% |' % ($m, $k, $k, $n, '$what', $g, $o, $g / $o, 100 * $g / $peak))"
done
