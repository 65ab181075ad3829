#!/bin/sh
# Times the activation harvest (tokens a second through the one-layer
# transformer up to blocks.0.mlp.hook_post, batches of 32 windows of 128
# bytes) of experiments/bench -workload harvest and of the PyTorch peer
# (harvest_peer.py, lm_peer.py's model class), one after the other in each
# round of the same session, and prints the CPU and a markdown row per round,
# then the best figure of each column (other jobs only ever slow a run down).
# Go's figure includes its shuffle buffer; the peer's is the bare forward
# pass. The peer must run on OpenBLAS:
# apt-get install -y python3-torch libopenblas0-pthread.
#   sh experiments/bench/compare_harvest.sh [steps] [rounds] [path/to/peers]
set -eu
. "$(dirname "$0")/blas_check.sh"
steps=${1:-40}
rounds=${2:-3}
peers=${3:-../shared/peers}
go build -o /tmp/bench.$$ ./experiments/bench
trap 'rm -f /tmp/bench.$$' EXIT
args="-workload harvest -batch 32"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(lscpu | grep -o 'avx512f\|avx512bw\|avx512vl\|avx2\|fma' | sort -u | tr '\n' ' ')"
echo "Go: /tmp/bench $args -steps $steps; PyTorch: /usr/bin/python3 experiments/bench/harvest_peer.py $peers 32 $steps"
echo "| round | Go tokens/s | PyTorch tokens/s | Go ÷ PyTorch | Go bytes/step | load average |"
echo "|---|---|---|---|---|---|"
best_go=0
best_pt=0
for r in $(seq 1 "$rounds"); do
	g=$(/tmp/bench.$$ $args -steps "$steps")
	t=$(/usr/bin/python3 "$(dirname "$0")/harvest_peer.py" "$peers" 32 "$steps")
	line=$(python3 - "$r" "$g" "$t" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
r, g, t, load = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
G, T = g["tokens_per_s"], t["tokens_per_s"]
print("| %s | %.0f | %.0f | %.2f× | %.0f | %s |" % (r, G, T, G / T, g["bytes_per_step"], load))
print("#", G, T)
PY
)
	echo "$line" | grep -v '^#'
	set -- $(echo "$line" | sed -n 's/^# //p')
	best_go=$(python3 -c "print(max($best_go, $1))")
	best_pt=$(python3 -c "print(max($best_pt, $2))")
done
python3 -c "print('| best | %.0f | %.0f | %.2f× | | |' % ($best_go, $best_pt, $best_go / $best_pt))"
