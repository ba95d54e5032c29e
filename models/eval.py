"""Evaluate the shipped dxlatent model (issue 4) and draw its figures.

usage: /usr/bin/python3 models/eval.py --data ../shared/data/collection.bin \
          --model models/dxlatent-vae.pt --ckpt models/runs/full/best.pt [--figures docs]
Uses the exported TorchScript module for everything the product does (encode,
decode), the checkpoint for the posterior (KL per dimension), the split saved in
the checkpoint, and the run's log.csv / steps.csv (beside the checkpoint) for the
training curves. Prints a markdown table for models/README.md.
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dx7                                   # noqa: E402
from export import load_checkpoint, time_decode  # noqa: E402

# ---- settings ---------------------------------------------------------------
N_PRIOR = 65536
N_INTERP_PAIRS = 256
INTERP_STEPS = 32
SEED = 99
# -----------------------------------------------------------------------------


def batched(fn, x, batch=1024):
    with torch.no_grad():
        return torch.cat([fn(torch.as_tensor(x[i:i + batch])) for i in range(0, len(x), batch)])


def group_acc(correct):
    """correct: bool [N,145] -> dict group -> accuracy"""
    grp = np.array(dx7.PARAM_GROUP)
    out = {g: float(correct[:, grp == g].mean()) for g in dx7.GROUPS}
    out["all"] = float(correct.mean())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", default="models/dxlatent-vae.pt")
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--figures", default="docs", help="folder for the PNGs ('' for none)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(SEED)
    rng = np.random.RandomState(SEED)

    m = torch.jit.load(a.model)
    vae, ck = load_checkpoint(a.ckpt)
    corpus = dx7.load_corpus(a.data)
    P = corpus["params"]
    split = ck["split"]
    tr, va, te = P[split["train"]], P[split["val"]], P[split["test"]]
    card = np.array(dx7.PARAM_CARDINALITY)

    # --- reconstruction (argmax of the decoded posterior mean) ---
    rec = {}
    z_te = None
    for name, X in (("train", tr), ("val", va), ("test", te)):
        z = batched(m.encode, X)
        Y = batched(m.decode, z.float()).numpy()
        rec[name] = group_acc(Y == X)
        if name == "test":
            z_te, Y_te = z.numpy(), Y
    mode = np.array([np.bincount(tr[:, j], minlength=dx7.MAX_CARD).argmax() for j in range(dx7.N_PARAMS)])
    base = group_acc(te == mode[None, :])
    per_param = (Y_te == te).mean(0)

    # --- prior samples ---
    zp = torch.randn(N_PRIOR, 8)
    Yp = batched(m.decode, zp).numpy()
    valid = float(((Yp >= 0) & (Yp < card)).all(1).mean())
    uniq = len(np.unique(Yp, axis=0))
    train_set = {r.tobytes() for r in tr.astype(np.int64)}
    all_set = {r.tobytes() for r in P.astype(np.int64)}
    copies_train = sum(r.tobytes() in train_set for r in Yp.astype(np.int64))
    copies_any = sum(r.tobytes() in all_set for r in Yp.astype(np.int64))
    # nearest training voice distance (params differing) for a subsample of prior samples
    sub = Yp[:512]
    nn_diff = np.array([(tr != s).sum(1).min() for s in sub])

    # --- KL per latent dimension ---
    with torch.no_grad():
        xt = torch.as_tensor(te)
        h = vae.encoder.hidden(xt)
        mu, logvar, r1, r2, b = vae.encoder.posterior(h)
        kl0 = (0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar)).mean(0).numpy()
        kls = [vae(xt)[1].mean().item() for _ in range(8)]
    kl_flow = float(np.mean(kls))
    var_z = z_te.var(0)

    # --- interpolation ---
    pairs = rng.choice(len(te), size=(N_INTERP_PAIRS, 2), replace=True)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    t = torch.linspace(0, 1, INTERP_STEPS + 1)
    za, zb = torch.as_tensor(z_te[pairs[:, 0]]), torch.as_tensor(z_te[pairs[:, 1]])
    zs = (za[:, None] * (1 - t[None, :, None]) + zb[:, None] * t[None, :, None]).reshape(-1, 8)
    Yi = batched(m.decode, zs).numpy().reshape(len(pairs), INTERP_STEPS + 1, -1)
    per_step = (Yi[:, 1:] != Yi[:, :-1]).sum(2)          # [pairs, 32]
    endpoints = (Yi[:, 0] != Yi[:, -1]).sum(1)

    p50, p99 = time_decode(m, n=1000)

    # --- report ---
    print()
    print("| metric | value |")
    print("|---|---|")
    print(f"| test voices / train / val | {len(te)} / {len(tr)} / {len(va)} |")
    print(f"| **test per-parameter accuracy** (argmax of decode(encode(x))) | **{100 * rec['test']['all']:.2f}%** |")
    print(f"| most-common-value baseline (train modes, on test) | {100 * base['all']:.2f}% |")
    print(f"| train / validation accuracy | {100 * rec['train']['all']:.2f}% / {100 * rec['val']['all']:.2f}% |")
    print(f"| test voices reconstructed exactly (all 145) | {100 * (Y_te == te).all(1).mean():.2f}% |")
    print(f"| prior samples: unique (of {N_PRIOR}) | {uniq} ({100 * uniq / N_PRIOR:.2f}%) |")
    print(f"| prior samples equal to a training voice | {copies_train} (any corpus voice: {copies_any}) |")
    print(f"| prior samples: params differing from the nearest training voice (median of 512) | {np.median(nn_diff):.0f} (min {nn_diff.min()}) |")
    print(f"| validity of prior samples | {100 * valid:.2f}% |")
    print(f"| KL (flow posterior vs N(0,I), test, nats) | {kl_flow:.2f} |")
    print(f"| KL of the base Gaussian q(z0) per dim (test) | {' '.join('%.2f' % v for v in kl0)} |")
    print(f"| variance of encoded zK per dim (test) | {' '.join('%.2f' % v for v in var_z)} |")
    print(f"| interpolation, {INTERP_STEPS} steps: mean params changing per step | {per_step.mean():.2f} (endpoints differ in {endpoints.mean():.1f}; max in one step {per_step.max()}) |")
    print(f"| single decode, TorchScript, 1 thread (Python) | p50 {p50 * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms |")
    print()
    print("| group (params) | model, test | baseline, test | model, train |")
    print("|---|---|---|---|")
    grp = np.array(dx7.PARAM_GROUP)
    for g in dx7.GROUPS + ["all"]:
        n = int((grp == g).sum()) if g != "all" else dx7.N_PARAMS
        print(f"| {g} ({n}) | {100 * rec['test'][g]:.2f}% | {100 * base[g]:.2f}% | {100 * rec['train'][g]:.2f}% |")
    order = np.argsort(per_param)
    print()
    print("hardest parameters (test accuracy): " + ", ".join(
        f"{dx7.PARAM_NAMES[j]} {100 * per_param[j]:.1f}%" for j in order[:8]))
    print("easiest parameters: " + ", ".join(
        f"{dx7.PARAM_NAMES[j]} {100 * per_param[j]:.1f}%" for j in order[-5:]))

    if a.figures:
        figures(a, ck, z_te, te)


def figures(a, ck, z_te, te):
    import csv
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(a.figures, exist_ok=True)
    run = os.path.dirname(os.path.abspath(a.ckpt))
    with open(os.path.join(run, "log.csv")) as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(run, "steps.csv")) as f:
        steps = list(csv.DictReader(f))
    ep = [int(r["epoch"]) for r in rows]
    spe = int(rows[0]["step"])
    fig, ax = plt.subplots(1, 3, figsize=(15, 4))
    s = np.array([int(r["step"]) for r in steps]) / spe
    ax[0].plot(s, [float(r["rec"]) for r in steps], lw=0.5, alpha=0.5, label="train rec (batch)")
    ax[0].plot(ep, [float(r["train_rec"]) for r in rows], "o-", label="train rec (epoch mean)")
    ax[0].plot(ep, [float(r["val_rec"]) for r in rows], "o-", label="val rec (z = flows(mu))")
    ax[0].set_xlabel("epoch"); ax[0].set_ylabel("cross-entropy per voice (nats)"); ax[0].legend()
    ax[0].set_ylim(0, max(float(rows[0]["train_rec"]) * 1.1, 1))
    ax[1].plot(s, [float(r["kl"]) for r in steps], lw=0.5, alpha=0.5, label="train KL (batch)")
    ax[1].plot(ep, [float(r["val_kl"]) for r in rows], "o-", label="val KL")
    ax2 = ax[1].twinx()
    ax2.plot(s, [float(r["beta"]) for r in steps], "k--", lw=1, label="beta")
    ax2.set_ylabel("beta")
    ax[1].set_xlabel("epoch"); ax[1].set_ylabel("KL per voice (nats)"); ax[1].legend(loc="upper right")
    ax[2].plot(ep, [100 * float(r["val_acc"]) for r in rows], "o-")
    ax[2].set_xlabel("epoch"); ax[2].set_ylabel("validation per-parameter accuracy (%)")
    ax[2].grid(alpha=0.3)
    fig.suptitle("dxlatent VAE training")
    fig.tight_layout()
    p1 = os.path.join(a.figures, "training-curves.png")
    fig.savefig(p1, dpi=90)
    fig, ax = plt.subplots(figsize=(7.5, 6))
    alg = te[:, dx7.ALGORITHM_INDEX] + 1
    sc = ax.scatter(z_te[:, 0], z_te[:, 1], c=alg, cmap="nipy_spectral", s=4, alpha=0.7)
    fig.colorbar(sc, label="algorithm (1-32)")
    ax.set_xlabel("z1"); ax.set_ylabel("z2")
    ax.set_title(f"test voices encoded (zK of the posterior mean), n={len(te)}")
    fig.tight_layout()
    p2 = os.path.join(a.figures, "latent-space.png")
    fig.savefig(p2, dpi=90)
    print(f"\nwrote {p1} and {p2}")


if __name__ == "__main__":
    main()
