"""`models/categories.py --eval`: do the category regions give voices of the kind
asked for? Measured without trusting the names of the generated voices (they
have none), with two judges that never saw them:

  1. a classifier (a small MLP over the one-hot sound parameters, torch) trained
     on the labelled TRAINING voices of dx7.make_split (seed fixed), its accuracy
     on the labelled TEST voices next to chance (the majority class's share);
     then, per category, N voices drawn from the category's region z ~ N(mean,
     std) and decoded by the TorchScript file: how often the classifier calls
     them that category, next to the chance rate (the category's share of the
     labelled training voices) and to how often it calls real TEST voices of
     that category so (its recall: the best one can expect of it);
  2. hexter (`dxlatent render --stats`, note 60, velocity 100, 1 s + 1 s): per
     category, silent share, median level and median spectral centroid of the
     drawn voices next to the same figures for the corpus's voices of that
     category (a bass should be darker than a bell).

The regions are computed here from the model's encode() of the training voices
(category_regions), so this works with a version 1 file and a version 2 file
alike (`--model`); a v2 file's stored regions are the same computation.
Markdown on stdout; progress on stderr.
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

import categories as C
import dx7
from eval import render_stats  # the one way the models/ scripts call `dxlatent render --stats`

EPOCHS = 40
HIDDEN = 128
EMBED = 16


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Classifier(nn.Module):
    """One embedding per (parameter, value), summed: an MLP on the one-hot
    parameters without building the 8,000-wide one-hot matrix."""

    def __init__(self, n_classes):
        super().__init__()
        card = torch.tensor(dx7.PARAM_CARDINALITY)
        self.register_buffer("offset", torch.cumsum(card, 0) - card)
        self.emb = nn.EmbeddingBag(int(card.sum()), HIDDEN, mode="sum")
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.2), nn.Linear(HIDDEN, n_classes))

    def forward(self, x):
        return self.head(self.emb(x + self.offset))


def train_classifier(x, y, n_classes, seed):
    torch.manual_seed(seed)
    m = Classifier(n_classes)
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3, weight_decay=1e-2)
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    g = torch.Generator().manual_seed(seed)
    for _ in range(EPOCHS):
        m.train()
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), 256):
            b = perm[i:i + 256]
            loss = nn.functional.cross_entropy(m(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    m.eval()
    return m


def predict(m, x):
    with torch.no_grad():
        x = torch.as_tensor(np.asarray(x, dtype=np.int64))
        return torch.cat([m(x[i:i + 1024]).argmax(-1) for i in range(0, len(x), 1024)]).numpy()


def audio_summary(s):
    loud = ~s["silent"]
    med = lambda v: float(np.median(v)) if len(v) else float("nan")  # noqa: E731
    return float(s["silent"].mean()), med(s["rms"][loud]), med(s["centroid"][loud])


def run(corpus, a):
    t0 = time.time()
    torch.set_num_threads(1)
    rng = np.random.RandomState(a.seed)
    P, names = corpus["params"], corpus["names"]
    labels = C.label_all(names)
    split = dx7.make_split(len(P))
    cats = list(C.CATEGORIES)
    cls = {c: i for i, c in enumerate(cats)}
    y = np.array([cls[lab] if lab is not None else -1 for lab in labels])
    tr = np.array([i for i in split["train"] if y[i] >= 0])
    te = np.array([i for i in split["test"] if y[i] >= 0])

    log(f"classifier: {len(tr)} labelled training voices, {len(te)} labelled test voices")
    clf = train_classifier(P[tr], y[tr], len(cats), a.seed)
    pred_te = predict(clf, P[te])
    acc = float((pred_te == y[te]).mean())
    share_tr = np.bincount(y[tr], minlength=len(cats)) / len(tr)
    majority = float(np.bincount(y[te], minlength=len(cats)).max() / len(te))
    log(f"test accuracy {acc:.3f} (majority {majority:.3f}) after {time.time() - t0:.0f} s")

    m = torch.jit.load(a.model)
    region_names, mean, std = C.category_regions(m.encode, P[split["train"]],
                                                 [names[i] for i in split["train"]])
    g = torch.Generator().manual_seed(a.seed)
    drawn, half, centre = {}, {}, {}
    with torch.no_grad():
        for ci, c in enumerate(region_names):
            e = torch.randn(a.n, mean.shape[1], generator=g)
            drawn[c] = m.decode(mean[ci] + std[ci] * e).numpy()
            # the same draws at half the spread, and the region's centre: how much
            # of the miss is the regions' overlap rather than the model
            half[c] = m.decode(mean[ci] + 0.5 * std[ci] * e).numpy()
            centre[c] = m.decode(mean[ci][None]).numpy()
    log(f"decoded {a.n} voices per category after {time.time() - t0:.0f} s")

    print(f"\n### Categories measured ({os.path.basename(a.model)}, seed {a.seed})\n")
    print(f"Classifier (MLP over one-hot parameters, {EPOCHS} epochs) on {len(tr)} labelled training voices: "
          f"**{100 * acc:.1f}%** accuracy on {len(te)} labelled test voices; chance (majority class, "
          f"{cats[int(np.bincount(y[te]).argmax())]}) {100 * majority:.1f}%.\n")
    print(f"Per category, {a.n} voices drawn from its region N(mean, std) and decoded (the model's own read-out):\n")
    print("| category | train voices | region mean std | drawn classified as asked | at half the spread | "
          "the centre | chance | real test voices classified so |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    asked = {}
    for ci, c in enumerate(region_names):
        k = cls[c]
        rate = float((predict(clf, drawn[c]) == k).mean())
        rate_half = float((predict(clf, half[c]) == k).mean())
        at_centre = "yes" if int(predict(clf, centre[c])[0]) == k else cats[int(predict(clf, centre[c])[0])]
        asked[c] = rate
        real = te[y[te] == k]
        recall = float((pred_te[y[te] == k] == k).mean()) if len(real) else float("nan")
        print(f"| {c} | {int((y[tr] == k).sum())} | {float(std[ci].mean()):.2f} | **{100 * rate:.1f}%** | "
              f"{100 * rate_half:.1f}% | {at_centre} | {100 * share_tr[k]:.1f}% | {100 * recall:.1f}% |")

    if not a.dxlatent or not os.path.isfile(a.dxlatent):
        print(f"\n(audio figures skipped: no dxlatent executable at {a.dxlatent})")
        return 0
    n_audio = min(a.n, a.n_audio)
    print(f"\nAudio (hexter via `dxlatent render --stats`, note 60, velocity 100, 1 s + 1 s; {n_audio} drawn "
          f"voices and up to {n_audio} corpus voices of the category; level and centroid over the non-silent):\n")
    print("| category | silent drawn / corpus | median RMS dBFS drawn / corpus | "
          "median centroid Hz drawn / corpus |")
    print("|---|---:|---:|---:|")
    labelled_all = np.array([i for i in range(len(P)) if y[i] >= 0])
    for c in region_names:
        k = cls[c]
        idx = labelled_all[y[labelled_all] == k]
        idx = rng.choice(idx, size=min(n_audio, len(idx)), replace=False)
        s_draw = audio_summary(render_stats(a.dxlatent, drawn[c][:n_audio]))  # as sample --category draws
        s_real = audio_summary(render_stats(a.dxlatent, P[idx]))
        log(f"rendered {c} after {time.time() - t0:.0f} s")
        print(f"| {c} | {100 * s_draw[0]:.0f}% / {100 * s_real[0]:.0f}% | {s_draw[1]:.1f} / {s_real[1]:.1f} | "
              f"{s_draw[2]:.0f} / {s_real[2]:.0f} |")
    log(f"done in {time.time() - t0:.0f} s")
    return 0
