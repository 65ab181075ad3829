#!/usr/bin/env python3
"""Writes torch_step.json: three training steps of the PyTorch peer's SAE
(../shared/peers/torch_peer.py, workload sae), in float64 at a small size, for
TestTorchPeerSteps. Regenerate with:
    apt-get install -y python3-torch && /usr/bin/python3 torch_step.py
"""
import json
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
d, f, batch, steps, lr, l1 = 8, 16, 32, 3, 1e-3, 0.05
truth = torch.nn.functional.normalize(torch.randn(f, d), dim=1)
We = torch.nn.Parameter(torch.nn.init.kaiming_uniform_(torch.empty(d, f)))
Wd = torch.nn.Parameter(We.detach().t().clone())
be = torch.nn.Parameter(torch.zeros(f)); bd = torch.nn.Parameter(torch.zeros(d))
with torch.no_grad():  # start off zero so every gradient path is exercised
    be += 0.01 * torch.randn(f); bd += 0.01 * torch.randn(d)
init = {k: v.detach().clone().flatten().tolist() for k, v in
        {"W_enc": We, "W_dec": Wd, "b_enc": be, "b_dec": bd}.items()}
opt = torch.optim.Adam([We, Wd, be, bd], lr=lr)
batches, losses = [], []
for _ in range(steps):
    c = torch.rand(batch, f) * (torch.rand(batch, f) < 0.25)
    x = c @ truth
    z = torch.relu((x - bd) @ We + be)
    xh = z @ Wd + bd
    mse = ((xh - x) ** 2).sum(-1).mean()
    sparsity = l1 * (z * Wd.norm(dim=1)).sum(-1).mean()
    loss = mse + sparsity
    opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        Wd /= Wd.norm(dim=1, keepdim=True)
    batches.append(x.flatten().tolist())
    losses.append([mse.item(), sparsity.item()])
final = {k: v.detach().flatten().tolist() for k, v in
         {"W_enc": We, "W_dec": Wd, "b_enc": be, "b_dec": bd}.items()}
json.dump({"torch": torch.__version__, "d": d, "latents": f, "batch": batch, "lr": lr, "l1": l1,
           "init": init, "batches": batches, "losses": losses, "final": final},
          open("torch_step.json", "w"))
