#!/bin/sh
# Times the TopK SAE training step of the PyTorch peer's `lm_peer.py sae`
# (512 → 4096 latents, or the fourth argument's, k 32, batch 4096, its
# random ReLU stand-in data) with experiments/bench -workload topk-sae,
# sparse and -dense, and with the peer,
# one after the other in each round of the same session, and prints the
# CPU and a markdown row per round, then the best figure of each column over
# the rounds (other jobs only ever slow a run down). The peer must run on
# OpenBLAS: apt-get install -y python3-torch libopenblas0-pthread; a round in
# which it refuses its BLAS (its check can fail on a loaded machine) shows a
# dash.
#   sh experiments/bench/compare_topk.sh [sparse steps] [rounds] [path/to/lm_peer.py] [latents]
# The dense path and the peer run a quarter of the sparse steps (at least 3).
set -eu
. "$(dirname "$0")/blas_check.sh"
steps=${1:-40}
rounds=${2:-2}
peer=${3:-../shared/peers/lm_peer.py}
latents=${4:-4096}
slow=$((steps / 4))
[ "$slow" -ge 3 ] || slow=3
go build -o /tmp/bench.$$ ./experiments/bench
trap 'rm -f /tmp/bench.$$' EXIT
args="-workload topk-sae -d-in 512 -latents $latents -k 32 -batch 4096"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(lscpu | grep -o 'avx512f\|avx512bw\|avx512vl\|avx2\|fma' | sort -u | tr '\n' ' ')"
echo "Go: /tmp/bench $args -steps $steps [-dense with -steps $slow]; PyTorch: /usr/bin/python3 $peer sae --d-mlp 512 --latents $latents --k 32 --sae-batch 4096 --steps $slow"
echo "| round | Go sparse act/s | Go dense act/s | PyTorch act/s | sparse ÷ PyTorch | dense ÷ PyTorch | sparse ÷ dense | load average |"
echo "|---|---|---|---|---|---|---|---|"
rows=""
for r in $(seq 1 "$rounds"); do
	s=$(/tmp/bench.$$ $args -steps "$steps")
	d=$(/tmp/bench.$$ $args -steps "$slow" -dense)
	t=$(/usr/bin/python3 "$peer" sae --d-mlp 512 --latents "$latents" --k 32 --sae-batch 4096 --steps "$slow" 2>/dev/null) || t='{}'
	row=$(python3 - "$r" "$s" "$d" "$t" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
r, s, d, t, load = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
S, D, T = s["activations_per_s"], d["activations_per_s"], t.get("activations_per_s")
ratio = lambda a, b: "%.2f×" % (a / b) if a and b else "—"
print("| %s | %.0f | %.0f | %s | %s | %s | %s | %s |" % (r, S, D, "%.0f" % T if T else "—", ratio(S, T), ratio(D, T), ratio(S, D), load))
print("#", S, D, T or 0)
PY
)
	echo "$row" | grep -v '^#'
	rows="$rows$(echo "$row" | grep '^#')
"
done
printf '%s' "$rows" | python3 -c '
import sys
rows = [list(map(float, l.split()[1:])) for l in sys.stdin.read().splitlines() if l.strip()]
S, D, T = (max(r[i] for r in rows) for i in range(3))
ratio = lambda a, b: "%.2f×" % (a / b) if a and b else "—"
print("| best | %.0f | %.0f | %s | %s | %s | %s | |" % (S, D, "%.0f" % T if T else "—", ratio(S, T), ratio(D, T), ratio(S, D)))
'
