#!/usr/bin/env python3
"""Differential fixture for one training step of the 1-layer byte transformer.

Regenerate from the repository root with Debian's PyTorch:
    /usr/bin/python3 models/transformer/testdata/make_fixture.py

For act in (relu, solu) writes models/transformer/testdata/step_<act>.safetensors (all F32):
  <name>           initial weights in TransformerLens names and shapes (transformerlens_weights' keys)
  batch.tokens     [3, 16] input bytes, batch.targets [3, 16] next bytes (exact small integers)
  loss             [1] mean cross-entropy in nats of the float64 forward
  grad.<name>      d loss / d <name>, TransformerLens layout
  grad_norm        [1] total gradient norm before clipping
  lr0              [1] the peer's learning rate at step 0 (lr 1e-2, warmup 100, steps 300)
  step1.<name>     weights after one AdamW step as the peer's lm loop does it
                   (betas (0.9, 0.99), eps 1e-8, weight decay 0, clip_grad_norm_ 1.0)
  step1clip.<name> the same step with clip_grad_norm_ 0.1 (only written if grad_norm < 1, so that
                   some stored step is one where clipping happened)
  delta.<name>     step1.<name> - <name> (deltaclip.<name> likewise), subtracted in float64: the update
                   is ~lr0 = 1e-4 per element, below what F32 step1 values minus F32 weights resolve
The weights are float32 values; the computation runs in float64 (model.double()).
The peer is imported from ../shared/peers relative to the repository root.
"""
import copy, json, math, os, sys, types

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
PEERS = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers"))
if not os.path.isfile(os.path.join(PEERS, "lm_peer.py")):
    sys.exit(f"make_fixture: the PyTorch peer is missing: no {os.path.join(PEERS, 'lm_peer.py')} "
             "(expected at ../shared/peers relative to the repository root)")
sys.path.insert(0, PEERS)

import torch
import torch.nn.functional as F
import lm_peer

try:
    from torch.func import functional_call  # torch >= 2.0
except ImportError:
    from torch.nn.utils.stateless import functional_call  # Debian's torch 1.13

LR, WARMUP, STEPS = 1e-2, 100, 300


def config(act):
    return types.SimpleNamespace(d_model=32, heads=4, d_mlp=64, ctx=16, batch=3, act=act, seed=1,
                                 lr=LR, warmup=WARMUP, steps=STEPS, weight_decay=0.0)


def make_batch(a):
    g = torch.Generator().manual_seed(1000 + a.seed)
    w = torch.randint(0, 256, (a.batch, a.ctx + 1), generator=g)
    # repeated bytes on purpose: a run of one byte, a byte repeated across sequences, a repeated pair
    w[0, 3:7] = 32
    w[1, 0] = w[0, 0]
    w[2, 5], w[2, 6], w[2, 9], w[2, 10] = 101, 102, 101, 102
    w[1, 8:10] = 10
    return w[:, :-1].contiguous(), w[:, 1:].contiguous()


def tl_of(model, a, use_grad=False):
    """transformerlens_weights of the model, or of its gradients (the same linear re-layout)."""
    if not use_grad:
        return {k: v.detach().clone() for k, v in lm_peer.transformerlens_weights(model, a).items()}
    g = copy.deepcopy(model)
    for pg, p in zip(g.parameters(), model.parameters()):
        pg.data = p.grad.detach().clone()
    return {k: v.detach().clone() for k, v in lm_peer.transformerlens_weights(g, a).items()}


def peer_params_from_tl(w, a):
    """The inverse re-layout as differentiable ops (mirrors load_transformerlens), keyed by the
    peer's parameter names; used to check the gradient mapping independently with autograd."""
    d = a.d_model
    qkv = torch.cat([w["blocks.0.attn." + n].permute(0, 2, 1).reshape(-1, d) for n in ("W_Q", "W_K", "W_V")], 0)
    p = {"tok.weight": w["embed.W_E"], "pos.weight": w["pos_embed.W_pos"],
         "block.ln1.weight": w["blocks.0.ln1.w"], "block.ln1.bias": w["blocks.0.ln1.b"],
         "block.ln2.weight": w["blocks.0.ln2.w"], "block.ln2.bias": w["blocks.0.ln2.b"],
         "block.qkv.weight": qkv, "block.o.weight": w["blocks.0.attn.W_O"].reshape(-1, d).t(),
         "block.fc_in.weight": w["blocks.0.mlp.W_in"].t(), "block.fc_in.bias": w["blocks.0.mlp.b_in"],
         "block.fc_out.weight": w["blocks.0.mlp.W_out"].t(), "block.fc_out.bias": w["blocks.0.mlp.b_out"],
         "ln_f.weight": w["ln_final.w"], "ln_f.bias": w["ln_final.b"], "unembed.weight": w["unembed.W_U"].t()}
    if a.act == "solu":
        p["block.ln_solu.weight"], p["block.ln_solu.bias"] = w["blocks.0.mlp.ln.w"], w["blocks.0.mlp.ln.b"]
    return p


def loss_of(model, x, y):
    return F.cross_entropy(model(x).reshape(-1, 256), y.reshape(-1))


def one_step(model0, a, x, y, max_norm):
    """One step of the peer's lm loop (step 0) on a copy of model0; returns the model after it."""
    model = copy.deepcopy(model0)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay, betas=(0.9, 0.99))
    step = 0
    lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.5 * (1 + math.cos(math.pi * step / a.steps)))
    for pg in opt.param_groups:
        pg["lr"] = lr
    loss = loss_of(model, x, y)
    opt.zero_grad(); loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    opt.step()
    return model, lr, norm.item()


def build(act):
    a = config(act)
    torch.manual_seed(a.seed)
    model = lm_peer.LM(a)  # default PyTorch initialisation, float32
    g = torch.Generator().manual_seed(2000 + a.seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
        for p in model.parameters():
            p.copy_(p.float())  # every weight a float32 value
    model = model.double()
    x, y = make_batch(a)

    init = tl_of(model, a)
    assert sorted(init) == sorted(lm_peer.transformerlens_weights(model, a))

    loss = loss_of(model, x, y)
    model.zero_grad(); loss.backward()
    grads = tl_of(model, a, use_grad=True)
    grad_norm = math.sqrt(sum((p.grad.double() ** 2).sum().item() for p in model.parameters()))

    # The gradient mapping, checked two ways: mapping the weights the same way reproduces
    # transformerlens_weights, and autograd through the inverse re-layout from TL leaf tensors agrees.
    g2 = copy.deepcopy(model)
    for pg, p in zip(g2.parameters(), model.parameters()):
        pg.data = p.detach().clone()
    for k, v in lm_peer.transformerlens_weights(g2, a).items():
        assert torch.equal(v, init[k]), k
    leaves = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    params = peer_params_from_tl(leaves, a)
    assert sorted(params) == sorted(n for n, _ in model.named_parameters())
    out = functional_call(model, params, (x,))
    l2 = F.cross_entropy(out.reshape(-1, 256), y.reshape(-1))
    assert abs(l2.item() - loss.item()) < 1e-13
    l2.backward()
    for k in init:
        err = (leaves[k].grad - grads[k]).abs().max().item()
        assert err < 1e-12 * max(1.0, grads[k].abs().max().item()), (k, err)

    f = {k: v for k, v in init.items()}
    f["batch.tokens"], f["batch.targets"] = x.double(), y.double()
    f["loss"] = torch.tensor([loss.item()], dtype=torch.float64)
    f["grad_norm"] = torch.tensor([grad_norm], dtype=torch.float64)
    for k, v in grads.items():
        f["grad." + k] = v
    m1, lr0, n1 = one_step(model, a, x, y, 1.0)
    assert abs(n1 - grad_norm) < 1e-9 * grad_norm
    assert abs(lr0 - 1e-4) < 1e-18, lr0
    f["lr0"] = torch.tensor([lr0], dtype=torch.float64)
    for k, v in tl_of(m1, a).items():
        f["step1." + k] = v
        f["delta." + k] = v - init[k]  # the update itself, taken in float64 before rounding to F32
    clip_note = "max_norm 1.0 clips" if grad_norm > 1.0 else "max_norm 1.0 does not clip"
    if grad_norm <= 1.0:
        m2, _, _ = one_step(model, a, x, y, 0.1)
        for k, v in tl_of(m2, a).items():
            f["step1clip." + k] = v
            f["deltaclip." + k] = v - init[k]
        clip_note += "; step1clip.* with max_norm 0.1 clips"
    path = os.path.join(HERE, f"step_{act}.safetensors")
    lm_peer.write_safetensors(path, {k: v.detach().cpu() for k, v in f.items()})

    # The file read back by the peer's own loader into a fresh float64 model reproduces the loss.
    fresh = lm_peer.LM(a).double()
    lm_peer.load_transformerlens(fresh, path)
    r = lm_peer.read_safetensors(path)
    xr, yr = r["batch.tokens"].long(), r["batch.targets"].long()
    assert torch.equal(xr, x) and torch.equal(yr, y)
    with torch.no_grad():
        lr_ = loss_of(fresh, xr, yr).item()
    assert abs(lr_ - loss.item()) < 1e-12, (lr_, loss.item())

    return {"act": act, "file": os.path.relpath(path, ROOT), "bytes": os.path.getsize(path),
            "loss": loss.item(), "grad_norm": grad_norm, "lr0": lr0, "clipping": clip_note,
            "reload_loss_err": abs(lr_ - loss.item()), "torch": torch.__version__,
            "shapes": {k: list(v.shape) for k, v in sorted(init.items())},
            "names": sorted(f)}


if __name__ == "__main__":
    for act in ("relu", "solu"):
        print(json.dumps(build(act)))
