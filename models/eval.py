"""Evaluate a dxlatent model by its parameters and by its sound (issues 10, 11).

usage: /usr/bin/python3 models/eval.py --data ../shared/data/collection.bin \
          --model models/dxlatent-vae.pt [--ckpt models/runs/v2/best.pt] [--figures docs] [--quick]

Everything the product does goes through the exported TorchScript module (encode,
decode, the latent quantiles the knobs use). The sound goes through the project's
own renderer, `dxlatent render --stats` (Debian's hexter DX7 emulator, note 60,
velocity 100, 1 s held + 1 s release, 44.1 kHz): level (RMS dBFS), spectral centroid,
silent (below -60 dBFS), for
  - the corpus (every unique in-range voice) and the test split's voices,
  - prior samples z ~ N(0, I), as `dxlatent sample` draws them,
  - uniformly random knob positions, mapped to z exactly as the live engine maps
    them (each knob's 0..127 through its dimension's quantile table, 64 = median),
  - reconstructions decode(encode(x)) of the test voices, compared per voice with
    the original (level difference in dB, centroid ratio in octaves).
--ckpt adds what only the training checkpoint knows (KL per dimension, the split,
the training curves). Without it the split is recomputed (dx7.make_split, the same
seed). Prints markdown tables for models/README.md; --json writes the figures.
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dx7                                   # noqa: E402
from export import time_decode               # noqa: E402

# ---- settings ---------------------------------------------------------------
N_PRIOR = 65536          # uniqueness
N_AUDIO = 4000           # prior samples / knob positions rendered
N_INTERP_PAIRS = 256
INTERP_STEPS = 32
SEED = 99
RENDER = ["--note", "60", "--velocity", "100", "--hold", "1", "--release", "1", "--rate", "44100"]
DEFAULT_DXLATENT = os.path.join(HERE, "..", "build", "release", "bin", "dxlatent")
LOW_LEVEL, HIGH_LEVEL = 0.005, 0.995   # the engine's LatentMapSettings defaults
# -----------------------------------------------------------------------------


def batched(fn, x, batch=1024):
    with torch.no_grad():
        return torch.cat([fn(torch.as_tensor(x[i:i + batch])) for i in range(0, len(x), batch)])


def group_acc(correct):
    grp = np.array(dx7.PARAM_GROUP)
    out = {g: float(correct[:, grp == g].mean()) for g in dx7.GROUPS}
    out["all"] = float(correct.mean())
    return out


def near_voices(Y, X):
    """share of voices within +-3 on every 0-99 parameter and exact on every other one"""
    card = np.array(dx7.PARAM_CARDINALITY)
    wide = card[None, :] == 100
    ok = np.where(wide, np.abs(Y - X) <= 3, Y == X)
    return float(ok.all(1).mean())


# ---- the renderer ------------------------------------------------------------
def render_stats(dxlatent, params, jobs=None):
    """params int [N,145] -> dict of arrays rms_dbfs, centroid_hz, silent, nonfinite
    (one render per voice, in order), through `dxlatent render --stats`."""
    params = np.asarray(params, dtype=np.uint8)
    vced = np.zeros((len(params), dx7.VCED_BYTES), dtype=np.uint8)
    vced[:, :dx7.N_PARAMS] = params
    vced[:, dx7.N_PARAMS:] = ord(" ")
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "voices.bin")
        out = os.path.join(tmp, "stats.csv")
        vced.tofile(f)
        cmd = [dxlatent, "render", f, "--stats", "--stats-csv", out, "--reference", "none"] + RENDER
        if jobs:
            cmd += ["--jobs", str(jobs)]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
        with open(out) as fh:
            rows = list(csv.DictReader(fh))
    if len(rows) != len(params):
        raise RuntimeError(f"render returned {len(rows)} rows for {len(params)} voices")
    return dict(rms=np.array([float(r["rms_dbfs"]) for r in rows]),
                centroid=np.array([float(r["centroid_hz"]) for r in rows]),
                silent=np.array([r["silent"] in ("1", "true") for r in rows]),
                nonfinite=np.array([int(r["nonfinite"]) > 0 for r in rows]))


def summary(s):
    loud = ~s["silent"]
    c = s["centroid"][loud]
    lv = s["rms"][loud]
    q = lambda v, p: float(np.percentile(v, p)) if len(v) else float("nan")  # noqa: E731
    return dict(n=int(len(s["rms"])), silent=float(s["silent"].mean()), nonfinite=int(s["nonfinite"].sum()),
                level_p10=q(lv, 10), level_med=q(lv, 50), level_p90=q(lv, 90),
                centroid_p10=q(c, 10), centroid_med=q(c, 50), centroid_p90=q(c, 90))


def knob_latents(quantiles, levels, n, rng):
    """uniform knob values 0..127 per dimension -> z, as control/latent_map.cpp does"""
    v = rng.randint(0, 128, size=(n, quantiles.shape[0])).astype(np.float64)
    lev = np.where(v <= 64, LOW_LEVEL + (0.5 - LOW_LEVEL) * (v / 64.0),
                   0.5 + (HIGH_LEVEL - 0.5) * ((v - 64.0) / 63.0))
    z = np.stack([np.interp(lev[:, d], levels, quantiles[d]) for d in range(quantiles.shape[0])], 1)
    return torch.as_tensor(z, dtype=torch.float32)


def audio_eval(m, dxlatent, corpus_params, test, n_audio, rng):
    """-> (rows for the audio table, per-voice reconstruction figures)"""
    t0 = time.time()
    ref = render_stats(dxlatent, corpus_params)
    orig = render_stats(dxlatent, test)
    zp = torch.as_tensor(rng.randn(n_audio, 8), dtype=torch.float32)
    prior = render_stats(dxlatent, batched(m.decode, zp).numpy())
    zk = knob_latents(m.latent_quantiles.numpy().astype(np.float64), m.quantile_levels.numpy().astype(np.float64),
                      n_audio, rng)
    knobs = render_stats(dxlatent, batched(m.decode, zk).numpy())
    Y = batched(m.decode, batched(m.encode, test).float()).numpy()
    recon = render_stats(dxlatent, Y)
    both = ~orig["silent"] & ~recon["silent"]
    per_voice = dict(
        level_diff_db=np.abs(recon["rms"] - orig["rms"])[both],
        centroid_oct=np.abs(np.log2(recon["centroid"][both] / orig["centroid"][both])),
        silent_when_original_sounds=float((recon["silent"] & ~orig["silent"]).mean()),
    )
    rows = {"corpus (unique, in range)": summary(ref), "test voices": summary(orig),
            "prior N(0, I)": summary(prior), "random knob positions": summary(knobs),
            "reconstructions of test voices": summary(recon)}
    print(f"(rendered {len(corpus_params) + len(test) * 2 + 2 * n_audio} voices in {time.time() - t0:.0f} s)",
          file=sys.stderr)
    return rows, per_voice


def print_audio(rows, per_voice):
    ref = rows["corpus (unique, in range)"]
    print("| set | voices | silent | level median (p10-p90) dBFS | centroid median (p10-p90) Hz | "
          "centroid vs corpus | level vs corpus |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['n']} | {100 * r['silent']:.2f}% | {r['level_med']:.1f} ({r['level_p10']:.1f} to "
              f"{r['level_p90']:.1f}) | {r['centroid_med']:.0f} ({r['centroid_p10']:.0f}-{r['centroid_p90']:.0f}) | "
              f"{r['centroid_med'] / ref['centroid_med']:.2f}x | {r['level_med'] - ref['level_med']:+.1f} dB |")
    print()
    print(f"reconstructions, per voice (both sounding, n={len(per_voice['level_diff_db'])}): median |level "
          f"difference| {np.median(per_voice['level_diff_db']):.2f} dB, median |centroid ratio| "
          f"{np.median(per_voice['centroid_oct']):.3f} octave (p90 {np.percentile(per_voice['centroid_oct'], 90):.2f}); "
          f"silent where the original sounds: {100 * per_voice['silent_when_original_sounds']:.2f}%")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", default=os.path.join(HERE, "dxlatent-vae.pt"))
    ap.add_argument("--ckpt", default=None)
    ap.add_argument("--dxlatent", default=DEFAULT_DXLATENT, help="the dxlatent binary (for `render --stats`)")
    ap.add_argument("--figures", default="", help="folder for the PNGs ('' for none)")
    ap.add_argument("--quick", action="store_true", help="fewer samples (candidate comparisons)")
    ap.add_argument("--no-audio", action="store_true")
    ap.add_argument("--json", default="", help="write every figure here")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(SEED)
    rng = np.random.RandomState(SEED)
    n_prior = 8192 if a.quick else N_PRIOR
    n_audio = 1500 if a.quick else N_AUDIO

    m = torch.jit.load(a.model)
    corpus = dx7.load_corpus(a.data, verbose=False)
    P = corpus["params"]
    ck = None
    if a.ckpt:
        from export import load_checkpoint
        vae, ck = load_checkpoint(a.ckpt)
        split = ck["split"]
    else:
        split = dx7.make_split(len(P))
    tr, va, te = P[split["train"]], P[split["val"]], P[split["test"]]
    card = np.array(dx7.PARAM_CARDINALITY)
    out = dict(model=a.model, model_mb=os.path.getsize(a.model) / 1e6)

    # --- parameters: reconstruction ---
    rec = {}
    for name, X in (("train", tr[:5000]), ("val", va), ("test", te)):
        z = batched(m.encode, X)
        Y = batched(m.decode, z.float()).numpy()
        rec[name] = group_acc(Y == X)
        if name == "test":
            z_te, Y_te = z.numpy(), Y
    mode = np.array([np.bincount(tr[:, j], minlength=dx7.MAX_CARD).argmax() for j in range(dx7.N_PARAMS)])
    base = group_acc(te == mode[None, :])
    out.update(acc_test=rec["test"]["all"], acc_train=rec["train"]["all"], acc_val=rec["val"]["all"],
               near_voices_test=near_voices(Y_te, te), exact_voices_test=float((Y_te == te).all(1).mean()),
               baseline=base["all"])

    # --- prior samples: uniqueness, copies, validity ---
    zp = torch.randn(n_prior, 8)
    Yp = batched(m.decode, zp).numpy()
    uniq = len(np.unique(Yp, axis=0))
    train_set = {r.tobytes() for r in tr.astype(np.int64)}
    copies = sum(r.tobytes() in train_set for r in Yp.astype(np.int64))
    valid = float(((Yp >= 0) & (Yp < card)).all(1).mean())
    out.update(n_prior=n_prior, prior_unique=uniq / n_prior, prior_copies=copies / n_prior, prior_valid=valid)

    # --- latent use: KL per dimension (needs the checkpoint's posterior) ---
    if ck is not None:
        with torch.no_grad():
            mu, logvar = vae.encoder(torch.as_tensor(te))
            kl = (0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar)).mean(0).numpy()
        out["kl_per_dim"] = [float(v) for v in kl]

    # --- interpolation smoothness ---
    pairs = rng.choice(len(te), size=(N_INTERP_PAIRS, 2), replace=True)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    t = torch.linspace(0, 1, INTERP_STEPS + 1)
    za, zb = torch.as_tensor(z_te[pairs[:, 0]]), torch.as_tensor(z_te[pairs[:, 1]])
    zs = (za[:, None] * (1 - t[None, :, None]) + zb[:, None] * t[None, :, None]).reshape(-1, 8)
    Yi = batched(m.decode, zs).numpy().reshape(len(pairs), INTERP_STEPS + 1, -1)
    out["interp_params_per_step"] = float((Yi[:, 1:] != Yi[:, :-1]).sum(2).mean())
    alg = dx7.ALGORITHM_INDEX
    out["interp_algorithm_changes_per_path"] = float((Yi[:, 1:, alg] != Yi[:, :-1, alg]).sum(1).mean())

    p50, p99 = time_decode(m, n=500 if a.quick else 2000, warm=200)
    out.update(decode_p50_ms=p50 * 1e3, decode_p99_ms=p99 * 1e3)

    print()
    print("| metric | value |")
    print("|---|---|")
    print(f"| model file | {out['model_mb']:.2f} MB |")
    print(f"| test voices / train / val | {len(te)} / {len(tr)} / {len(va)} |")
    print(f"| **test per-parameter accuracy** | **{100 * out['acc_test']:.2f}%** (baseline {100 * base['all']:.2f}%) |")
    print(f"| train (first 5000) / validation accuracy | {100 * out['acc_train']:.2f}% / {100 * out['acc_val']:.2f}% |")
    print(f"| test voices within +-3 on every 0-99 parameter, exact elsewhere | {100 * out['near_voices_test']:.2f}% |")
    print(f"| test voices reconstructed exactly | {100 * out['exact_voices_test']:.2f}% |")
    print(f"| prior samples unique / equal to a training voice (of {n_prior}) | {100 * out['prior_unique']:.2f}% / {100 * out['prior_copies']:.3f}% |")
    print(f"| prior samples valid | {100 * valid:.2f}% |")
    if "kl_per_dim" in out:
        print(f"| KL per latent dimension (test, nats) | {' '.join('%.2f' % v for v in out['kl_per_dim'])} |")
    print(f"| interpolation, {INTERP_STEPS} steps: params changing per step / algorithm changes per path | "
          f"{out['interp_params_per_step']:.2f} / {out['interp_algorithm_changes_per_path']:.2f} |")
    print(f"| single decode, TorchScript from Python, 1 thread | p50 {out['decode_p50_ms']:.3f} ms, p99 {out['decode_p99_ms']:.3f} ms |")
    print()
    print("| group (params) | model, test | baseline, test | model, train |")
    print("|---|---|---|---|")
    grp = np.array(dx7.PARAM_GROUP)
    for g in dx7.GROUPS + ["all"]:
        n = int((grp == g).sum()) if g != "all" else dx7.N_PARAMS
        print(f"| {g} ({n}) | {100 * rec['test'][g]:.2f}% | {100 * base[g]:.2f}% | {100 * rec['train'][g]:.2f}% |")
    print()

    if not a.no_audio:
        if not os.path.exists(a.dxlatent):
            sys.exit(f"eval: {a.dxlatent} not found: build first (cmake --preset release && "
                     f"cmake --build --preset release), or pass --no-audio")
        ref_params = P if not a.quick else P[rng.choice(len(P), 6000, replace=False)]
        rows, pv = audio_eval(m, a.dxlatent, ref_params, te, n_audio, rng)
        print_audio(rows, pv)
        out["audio"] = rows
        out["recon_level_diff_db_median"] = float(np.median(pv["level_diff_db"]))
        out["recon_centroid_oct_median"] = float(np.median(pv["centroid_oct"]))
        out["recon_silent_when_original_sounds"] = pv["silent_when_original_sounds"]
        if a.figures:
            knob_map_figure(m, a.dxlatent, a.figures)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    if a.figures and ck is not None:
        training_figure(a, ck)


def knob_map_figure(m, dxlatent, folder, n=32):
    """Two knobs swept on an n x n grid, the other six at 64 (the medians): each cell
    rendered and coloured by spectral centroid; silent cells marked."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    q = m.latent_quantiles.numpy().astype(np.float64)
    lv = m.quantile_levels.numpy().astype(np.float64)
    knobs = np.round(np.linspace(0, 127, n)).astype(int)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2))
    for ax, (d1, d2) in zip(axes, ((0, 1), (2, 3))):
        v = np.full((n * n, 8), 64.0)
        v[:, d1] = np.repeat(knobs, n)
        v[:, d2] = np.tile(knobs, n)
        lev = np.where(v <= 64, LOW_LEVEL + (0.5 - LOW_LEVEL) * (v / 64.0),
                       0.5 + (HIGH_LEVEL - 0.5) * ((v - 64.0) / 63.0))
        z = np.stack([np.interp(lev[:, d], lv, q[d]) for d in range(8)], 1)
        s = render_stats(dxlatent, batched(m.decode, torch.as_tensor(z, dtype=torch.float32)).numpy())
        c = np.where(s["silent"], np.nan, s["centroid"]).reshape(n, n)
        im = ax.imshow(np.log2(c).T, origin="lower", extent=(0, 127, 0, 127), cmap="magma", vmin=7, vmax=13.3)
        sil = s["silent"].reshape(n, n)
        ii, jj = np.nonzero(sil)
        ax.scatter(knobs[ii], knobs[jj], marker="x", c="cyan", s=14, label="silent")
        ax.set_xlabel(f"knob {d1 + 1}"); ax.set_ylabel(f"knob {d2 + 1}")
        ax.set_title(f"knobs {d1 + 1} and {d2 + 1} (others at 64): {100 * sil.mean():.1f}% silent")
        if sil.any():
            ax.legend(loc="upper right", fontsize=8)
    cb = fig.colorbar(im, ax=axes, shrink=0.9)
    ticks = [200, 500, 1000, 2000, 5000, 10000]
    cb.set_ticks(np.log2(ticks)); cb.set_ticklabels([str(t) for t in ticks])
    cb.set_label("spectral centroid (Hz), hexter note 60 vel 100; corpus median 1,309 Hz")
    path = os.path.join(folder, "knob-map.png")
    fig.savefig(path, dpi=80)
    print(f"wrote {path}")


def training_figure(a, ck):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    run = os.path.dirname(os.path.abspath(a.ckpt))
    with open(os.path.join(run, "log.csv")) as f:
        rows = list(csv.DictReader(f))
    ep = [int(r["epoch"]) for r in rows]
    fig, ax = plt.subplots(1, 3, figsize=(15, 4))
    ax[0].plot(ep, [float(r["train_rec"]) for r in rows], label="train CE (z sampled)")
    ax[0].plot(ep, [float(r["val_rec"]) for r in rows], label="val CE (z = mu)")
    ax[0].set_xlabel("epoch"); ax[0].set_ylabel("cross-entropy per voice (nats)"); ax[0].legend()
    ax[1].plot(ep, [float(r["train_kl"]) for r in rows], label="train KL")
    ax[1].plot(ep, [float(r["val_kl"]) for r in rows], label="val KL")
    ax[1].set_xlabel("epoch"); ax[1].set_ylabel("KL per voice (nats)"); ax[1].legend()
    ax[2].plot(ep, [100 * float(r["val_acc"]) for r in rows])
    ax[2].set_xlabel("epoch"); ax[2].set_ylabel("validation per-parameter accuracy (%)"); ax[2].grid(alpha=0.3)
    fig.suptitle("dxlatent VAE (generation 2) training")
    fig.tight_layout()
    p = os.path.join(a.figures, "training-curves.png")
    fig.savefig(p, dpi=80)
    print(f"wrote {p}")


if __name__ == "__main__":
    main()
