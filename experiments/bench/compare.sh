#!/bin/sh
# Runs the five BENCHMARKS.md workloads with experiments/bench and with the
# PyTorch peer, one after the other in the same session, and prints the
# markdown rows. Needs Debian's PyTorch on OpenBLAS (blas_check.sh refuses
# anything else): apt-get install -y python3-torch libopenblas0-pthread
# python3-threadpoolctl.
#   sh experiments/bench/compare.sh [path/to/torch_peer.py]
set -eu
. "$(dirname "$0")/blas_check.sh"
peer=${1:-../shared/peers/torch_peer.py}
go build -o /tmp/bench.$$ ./experiments/bench
trap 'rm -f /tmp/bench.$$' EXIT
row() {
	name=$1; shift
	g=$(/tmp/bench.$$ "$@")
	t=$(/usr/bin/python3 "$peer" $(echo "$@" | sed 's/-workload //; s/ -\([a-z]\)/ --\1/g; s/^-/--/'))
	python3 - "$name" "$g" "$t" <<'PY'
import json, sys
name, g, t = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print("| %s | %.4g | %.4g | %.2f× | %.3g / %.3g | %.0f KiB, %.0f allocs | %.1f |" % (
    name, g["steps_per_s"], t["steps_per_s"], g["steps_per_s"] / t["steps_per_s"], g["loss"], t["loss"],
    g["bytes_per_step"] / 1024, g["allocs_per_step"], g["gflop_per_s"]))
PY
}
echo "| workload | Go steps/s | PyTorch steps/s | ratio | final loss Go / PyTorch | Go allocation per step | Go GFLOP/s |"
echo "|---|---|---|---|---|---|---|"
row "intro sweep (toy, 10 × 5→2)" -workload toy -instances 10 -features 5 -hidden 2 -batch 1024 -steps 2000
row "basic (toy, 1 × 20→5)" -workload toy -instances 1 -features 20 -hidden 5 -batch 1024 -steps 2000
row "geometry sweep (toy, 20 × 200→20)" -workload toy -instances 20 -features 200 -hidden 20 -batch 1024 -steps 300
row "small SAE (d 64, 512 latents)" -workload sae -d-in 64 -latents 512 -batch 1024 -steps 300
row "large SAE (d 512, 4096 latents)" -workload sae -d-in 512 -latents 4096 -batch 1024 -steps 20
