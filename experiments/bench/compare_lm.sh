#!/bin/sh
# Times the transformer's training step with experiments/bench (-workload lm)
# and with the PyTorch peer (lm_peer.py lm), alternately in the same session,
# and prints a markdown row per round with the CPU it ran on. The peer must
# run on OpenBLAS: apt-get install -y python3-torch libopenblas0-pthread.
#   sh experiments/bench/compare_lm.sh [steps] [rounds] [path/to/lm_peer.py]
set -eu
. "$(dirname "$0")/blas_check.sh"
steps=${1:-100}
rounds=${2:-2}
peer=${3:-../shared/peers/lm_peer.py}
go build -o /tmp/bench.$$ ./experiments/bench
trap 'rm -f /tmp/bench.$$' EXIT
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(lscpu | grep -o 'avx512f\|avx2\|fma' | sort -u | tr '\n' ' ')"
echo "| round | Go tokens/s | PyTorch tokens/s | ratio | Go GFLOP/s | Go allocation per step |"
echo "|---|---|---|---|---|---|"
for r in $(seq 1 "$rounds"); do
	g=$(/tmp/bench.$$ -workload lm -batch 32 -steps "$steps")
	t=$(/usr/bin/python3 "$peer" lm --steps "$steps" --eval-batches 1)
	python3 - "$r" "$g" "$t" <<'PY'
import json, sys
r, g, t = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print("| %s | %.0f | %.0f | %.2f× | %.1f | %.0f KiB, %.0f allocs |" % (
    r, g["tokens_per_s"], t["tokens_per_s"], g["tokens_per_s"] / t["tokens_per_s"], g["gflop_per_s"],
    g["bytes_per_step"] / 1024, g["allocs_per_step"]))
PY
done
