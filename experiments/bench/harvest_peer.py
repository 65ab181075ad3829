"""The PyTorch peer of experiments/bench -workload harvest: the activation
harvest of lm_peer.py's one-layer transformer (its own model class, default
shape, untrained weights: a forward pass costs the same whatever they are),
forward passes over batch windows of ctx bytes of the training stream up to
blocks.0.mlp.hook_post and no further, under torch.no_grad. Prints one JSON
line: tokens_per_s (best of three timings of steps passes), threads.

    /usr/bin/python3 experiments/bench/harvest_peer.py PEER_DIR [batch] [steps] [ctx]
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def main():
    sys.path.insert(0, sys.argv[1])
    import lm_peer

    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    ctx = int(sys.argv[4]) if len(sys.argv) > 4 else 128
    a = type("Args", (), dict(d_model=128, heads=4, d_mlp=512, ctx=ctx, act="relu", batch=batch, seed=1))()
    torch.manual_seed(1)
    _, train, _ = lm_peer.corpus()
    model = lm_peer.LM(a).eval()
    s = model.block
    g = torch.Generator().manual_seed(1)
    it = lm_peer.batches(train, a, g)
    windows = [next(it)[0] for _ in range(4)]

    def post(idx):
        x = model.tok(idx) + model.pos(torch.arange(idx.shape[1]))
        B, T, D = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(D, dim=2)
        q, k, v = (t.view(B, T, s.h, D // s.h).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / (D // s.h) ** 0.5
        att = att.masked_fill(~s.mask[:T, :T], float("-inf")).softmax(-1)
        x = x + s.o((att @ v).transpose(1, 2).reshape(B, T, D))
        return F.relu(s.fc_in(s.ln2(x))).reshape(-1, s.fc_in.out_features)

    with torch.no_grad():
        post(windows[0])  # warm-up
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for i in range(steps):
                post(windows[i % len(windows)])
            best = min(best, time.perf_counter() - start)
    print(json.dumps({"tokens_per_s": round(steps * batch * ctx / best, 1), "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
