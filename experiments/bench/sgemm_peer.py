"""OpenBLAS's own float32 GEMM on one shape, the physical limit beside our
kernel's figure (experiments/bench -workload sgemm): numpy float32 matmul,
with threadpoolctl naming the BLAS that ran it. Prints one JSON line:
gflops (best of three timings of steps products), blas, threads.

    /usr/bin/python3 experiments/bench/sgemm_peer.py M K N [steps]
"""
import json
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info


def main():
    m, k, n = (int(v) for v in sys.argv[1:4])
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = a @ b  # warm-up: threads started, pages touched
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(steps):
            np.matmul(a, b, out=c)
        best = min(best, (time.perf_counter() - start) / steps)
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    print(json.dumps({"m": m, "k": k, "n": n, "gflops": 2 * m * k * n / best / 1e9,
                      "blas": [i.get("internal_api") for i in blas], "version": [i.get("version") for i in blas],
                      "architecture": [i.get("architecture") for i in blas],
                      "threads": [i.get("num_threads") for i in blas]}))


if __name__ == "__main__":
    main()
