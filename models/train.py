"""Train the dxlatent VAE (generation 2, issue 11).

usage: /usr/bin/python3 models/train.py --data ../shared/data/collection.bin --out models/runs/full
Writes OUT/best.pt (best validation accuracy after the KL warm-up), OUT/last.pt,
OUT/split.npz (record indices into collection.bin), OUT/log.csv (per epoch),
OUT/steps.csv (running training loss), OUT/config.json.
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import argparse
import csv
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dx7                       # noqa: E402
from model import VAE, n_params, reconstruction_loss, loss_weights  # noqa: E402

# ---- settings (all overridable on the command line) --------------------------
SEED = 1234
EPOCHS = 150
BATCH = 256
LR = 1.5e-3
WEIGHT_DECAY = 1e-2
GRAD_CLIP = 1.0
BETA = 0.3               # final weight of the KL term (against the weighted reconstruction)
KL_WARMUP_EPOCHS = 5     # beta rises linearly from 0 to BETA over these epochs
LAMBDA_ORD = 1.0         # weight of the ordinal expected-distance term (model.reconstruction_loss)
TIMBRE_WEIGHTS = True    # weight each parameter's CE by how much it moves the sound
LR_WARMUP_STEPS = 50
LR_FINAL_FRAC = 0.05     # cosine decay to LR * this
THREADS = 1
# -----------------------------------------------------------------------------


def evaluate(vae, params, batch=1024):
    """-> (reconstruction CE per voice, KL per voice, per-parameter accuracy) with z = mu."""
    vae.eval()
    rec = kl = acc = 0.0
    with torch.no_grad():
        for i in range(0, len(params), batch):
            x = torch.as_tensor(params[i:i + batch])
            logits, k, _, _ = vae(x, sample=False)
            rec += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x.reshape(-1),
                                   reduction="sum").item()
            kl += k.sum().item()
            acc += (logits.argmax(-1) == x).float().sum().item()
    n = len(params)
    vae.train()
    return rec / n, kl / n, acc / (n * dx7.N_PARAMS)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="path to collection.bin")
    ap.add_argument("--out", default="models/runs/full")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--max-voices", type=int, default=0, help="use only this many training voices (tiny run)")
    ap.add_argument("--threads", type=int, default=THREADS)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--lr", type=float, default=LR)
    ap.add_argument("--weight-decay", type=float, default=WEIGHT_DECAY)
    ap.add_argument("--beta", type=float, default=BETA)
    ap.add_argument("--kl-warmup-epochs", type=float, default=KL_WARMUP_EPOCHS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--time-budget-min", type=float, default=0, help="stop after the epoch that would overrun")
    ap.add_argument("--lambda-ord", type=float, default=LAMBDA_ORD)
    ap.add_argument("--no-timbre-weights", action="store_true")
    ap.add_argument("--cfg", default="{}", help="JSON overrides of model.DEFAULTS")
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    os.makedirs(a.out, exist_ok=True)

    corpus = dx7.load_corpus(a.data)
    params = corpus["params"]
    split = dx7.make_split(len(params))
    if a.max_voices:
        split["train"] = split["train"][:a.max_voices]
        split["val"] = split["val"][:max(32, a.max_voices // 4)]
    train, val = params[split["train"]], params[split["val"]]
    np.savez(os.path.join(a.out, "split.npz"),
             **{k: v for k, v in split.items()},
             **{k + "_record": corpus["record"][v] for k, v in split.items()})
    sha = dx7.file_sha256(a.data)

    cfg = json.loads(a.cfg)
    vae = VAE(**cfg)
    run_cfg = dict(vars(a), model=vae.cfg, data_sha256=sha, corpus_stats=corpus["stats"],
                   n_train=len(train), n_val=len(val), n_params=n_params(vae),
                   torch=torch.__version__)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(run_cfg, f, indent=1)
    print(f"model: {n_params(vae)} parameters; train {len(train)}, val {len(val)} voices; "
          f"{a.threads} thread(s)")

    opt = torch.optim.AdamW(vae.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    steps_per_epoch = math.ceil(len(train) / a.batch)
    total_steps = steps_per_epoch * a.epochs

    def lr_at(step):
        if step < LR_WARMUP_STEPS:
            return a.lr * (step + 1) / LR_WARMUP_STEPS
        t = min(1.0, (step - LR_WARMUP_STEPS) / max(1, total_steps - LR_WARMUP_STEPS))
        return a.lr * (LR_FINAL_FRAC + (1 - LR_FINAL_FRAC) * 0.5 * (1 + math.cos(math.pi * t)))

    def beta_at(step):
        w = a.kl_warmup_epochs * steps_per_epoch
        return a.beta * min(1.0, step / w) if w > 0 else a.beta

    log_f = open(os.path.join(a.out, "log.csv"), "w", newline="")
    log = csv.writer(log_f)
    log.writerow(["epoch", "step", "beta", "lr", "train_rec", "train_kl", "train_loss",
                  "val_rec", "val_kl", "val_acc", "train_acc_sample", "elapsed_s"])
    steps_f = open(os.path.join(a.out, "steps.csv"), "w", newline="")
    steps_log = csv.writer(steps_f)
    steps_log.writerow(["step", "beta", "rec", "kl", "loss"])

    weights, ordinal, scale = loss_weights()
    if a.no_timbre_weights:
        weights = torch.ones_like(weights)
    ordinal = ordinal.float()
    g = torch.Generator().manual_seed(a.seed)
    train_t = torch.as_tensor(train)
    best_acc, step, t0 = -1.0, 0, time.time()
    warm_done_epoch = math.ceil(a.kl_warmup_epochs)
    epoch_times = []
    for epoch in range(1, a.epochs + 1):
        te = time.time()
        vae.train()
        perm = torch.randperm(len(train_t), generator=g)
        s_rec = s_kl = s_n = 0.0
        run = None
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}/{a.epochs}", leave=False,
                   disable=a.no_progress, mininterval=2.0, dynamic_ncols=True)
        for bi in bar:
            x = train_t[perm[bi * a.batch:(bi + 1) * a.batch]]
            beta = beta_at(step)
            for pg in opt.param_groups:
                pg["lr"] = lr_at(step)
            logits, kl, _, _ = vae(x)
            rl, ce = reconstruction_loss(logits, x, weights, ordinal, scale, a.lambda_ord)
            rec = ce.mean()
            klm = kl.sum(1).mean()
            loss = (rl.mean() + beta * klm) / dx7.N_PARAMS
            if not torch.isfinite(loss):
                raise RuntimeError(f"non-finite loss at step {step}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(vae.parameters(), GRAD_CLIP)
            opt.step()
            s_rec += rec.item() * len(x)
            s_kl += klm.item() * len(x)
            s_n += len(x)
            lv = loss.item()
            run = lv if run is None else 0.95 * run + 0.05 * lv
            bar.set_postfix(loss=f"{run:.4f}", rec=f"{rec.item():.1f}", kl=f"{klm.item():.1f}", beta=f"{beta:.2f}")
            if step % 10 == 0:
                steps_log.writerow([step, f"{beta:.4f}", f"{rec.item():.4f}", f"{klm.item():.4f}", f"{lv:.6f}"])
            step += 1
            if step % 100 == 0:
                steps_f.flush()
        bar.close()
        v_rec, v_kl, v_acc = evaluate(vae, val)
        tr_rec, tr_kl = s_rec / s_n, s_kl / s_n
        elapsed = time.time() - t0
        epoch_times.append(time.time() - te)
        log.writerow([epoch, step, f"{beta_at(step):.4f}", f"{lr_at(step):.6f}", f"{tr_rec:.4f}",
                      f"{tr_kl:.4f}", f"{(tr_rec + beta_at(step) * tr_kl) / dx7.N_PARAMS:.6f}",
                      f"{v_rec:.4f}", f"{v_kl:.4f}", f"{v_acc:.5f}", "", f"{elapsed:.1f}"])
        log_f.flush()
        steps_f.flush()
        ck = dict(cfg=vae.cfg, state_dict=vae.state_dict(), split=split, epoch=epoch,
                  val_acc=v_acc, val_rec=v_rec, val_kl=v_kl, data_sha256=sha, args=vars(a),
                  train_seconds=elapsed)
        torch.save(ck, os.path.join(a.out, "last.pt"))
        mark = ""
        if (epoch >= warm_done_epoch or epoch == a.epochs) and v_acc > best_acc:
            best_acc = v_acc
            torch.save(ck, os.path.join(a.out, "best.pt"))
            mark = " *"
        print(f"epoch {epoch:3d}  train rec {tr_rec:7.2f} kl {tr_kl:6.2f}  |  val rec {v_rec:7.2f} "
              f"kl {v_kl:6.2f} acc {100 * v_acc:6.2f}%  beta {beta_at(step):.2f}  "
              f"{epoch_times[-1]:.0f}s (total {elapsed / 60:.1f} min){mark}", flush=True)
        if a.time_budget_min and epoch < a.epochs:
            if elapsed + 1.1 * max(epoch_times[-3:]) > a.time_budget_min * 60:
                print(f"stopping: time budget of {a.time_budget_min} min reached", flush=True)
                break
    if best_acc < 0:  # budget hit before the warm-up finished
        torch.save(ck, os.path.join(a.out, "best.pt"))
    print(f"done in {(time.time() - t0) / 60:.1f} min; best val acc {100 * max(best_acc, 0):.2f}%")
    log_f.close()
    steps_f.close()


if __name__ == "__main__":
    main()
