"""Sound categories of DX7 voices from their names, and where each category lives
in the latent space (issue 12, "Steer the sound").

usage: /usr/bin/python3 models/categories.py [--data ../shared/data/collection.bin]
           prints how many unique in-range corpus voices each rule labels
       /usr/bin/python3 models/categories.py --eval [--model models/dxlatent-vae.pt]
           [--dxlatent build/release/bin/dxlatent] [--n 200] [--n-audio 100]
           measures the categories without trusting the names (markdown on
           stdout; models/category_eval.py says how)

Names are all we know about a voice's kind, and DX7 names are 10 characters,
abbreviated, often upper case and run together ("E.PIANO 1", "SYNBRASS",
"CleanGtr1", "PipeOrgn47"). A name is normalised before matching:
  1. a lower-case letter followed by an upper-case one is split ("CleanGtr" ->
     "Clean Gtr"), because camel case is how 10-character names separate words;
  2. upper-cased; every character that is not a letter or digit becomes a blank.
Patterns are regular expressions over that text. "=X" matches X as a whole word
(no letter directly before or after it; digits do not count, so "=BS" finds
"Digi.Bs.x3" and "BASS1"); a plain "X" matches anywhere, also inside compounds
("SYNBASS", "ELEPIANO"). Short abbreviations are whole words only: "STR" or
"ORG" anywhere would match STRANGE or GEORGE.

The FIRST matching rule wins, so the order is a decision, from the most specific
kind of sound to the vaguest:
  - "(none)" first: the INIT VOICE is no kind of sound;
  - percussion before bass and bell: "BASS DRUM", "COW BELL" are drums;
  - sfx before the instruments: "LASER SE", "THUNDER" name no instrument;
  - bass before keys and pluck: "CLAVIBASS", "PLUCK BASS", "BS/Piano" (a split)
    play bass; "BASSOON" is excluded here and found by wind/reed;
  - bell/mallet before keys and strings: "StringBell", "E.PIANO BELL" are heard
    by their bell attack;
  - keys before organ and pluck: "HARPSI" contains "HARP", "CLAVIPLUCK" is a clav;
  - organ before wind/reed: "PipeOrgn" is an organ, "BagPipes" a wind;
  - pluck before strings: "12 STRING GUITAR" is a guitar;
  - strings, brass, wind/reed, voice/choir: instruments named directly;
  - lead and pad last: "SOLO", "SWELL", "SPACE" describe a role more than a
    sound, so any instrument named beside them wins ("Solo.Trmpt" is brass).
Voices no rule matches stay unlabelled (no category): most are names such as
"RiverStar" or "BEETHOVEN" that say nothing about the sound.
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import argparse
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "shared", "data", "collection.bin")
NONE = "(none)"

# ---- the rules, in order (first match wins; see the docstring for why) -------
RULES = [
    # category       patterns ("=X": X as a whole word; "X": anywhere)
    (NONE,           ["=INIT VOICE"]),
    ("percussion",   ["DRUM", "=DRMS?", "SNARE", "SNAR", "=SNR", "=SD", "=B ?DRM?", "=BASS ?DR", "KICK",
                      "=TOMS?", "=TOMSWEEP", "SIMMTOM", "SYNTOM", "TOMTOM", "PERC", "=PRC",
                      "CYMBAL", "=CYM", "CRASH", "=HI ?HATS?", "=HATS?", "CONGA", "BONGO",
                      "TIMBAL", "TIMPAN", "TABLA", "TAIKO", "DAIKO", "COW ?BELL", "=CLAPS?",
                      "=CLAVES", "TRIANGLE", "SHAKER", "MARACA", "TAMBOUR", "CASTANET",
                      "WOOD ?BLOCK", "AGOGO", "SIMMONS"]),
    ("sfx",          ["EXPLOS", "LASER", "LAZER", "THUNDER", "=UFO", "SIREN", "HELICOP",
                      "FIREWORK", "GUNSHOT", "EFFECT", "=S?FX", "=EFX", "=SE", "NOISE", "NOIZ",
                      "=DOGS?", "HORSE", "BIRD", "=RAIN", "=WAVES", "=ZAP", "WHIP", "ALARM",
                      "TELEPHONE", "=PHONE", "=TRAIN"]),
    ("bass",         ["BASS(?!OON)", "=BS", "=BAS", "=BSE", "FRETLESS"]),
    ("bell/mallet",  ["BELL(?!Y)", "CHIME", "MARIM", "VIBE", "VIBRA(?!TO)", "=VIBS?", "XYLO",
                      "GLOCK", "CELEST", "KALIMBA", "MALLET", "GONG", "CARILLON", "=TUB"]),
    ("keys/piano",   ["PIAN", "PNO", "=PF", "=E ?P", "=EPS", "RHODE", "=RHDS?", "=RDS", "RHODS",
                      "ROADS", "WURLI", "CLAV", "HARPSI", "CEMBAL", "STEINWAY", "GRAND",
                      "=TINES?", "=KEYS?", "=CP ?\\d*"]),
    ("organ",        ["ORGAN", "ORGN", "=ORG", "HAMMOND", "=HMND", "=B3", "LESLIE", "CAL+IOPE",
                      "ACCORD", "HARMONIUM", "FARFISA"]),
    ("pluck/guitar", ["GUITAR", "GUIT", "GTR", "HARP", "KOTO", "SITAR", "BANJO", "=LUTE",
                      "MANDOLIN", "SHAMISEN", "ZITHER", "DULCIMER", "PLUCK", "PLUK", "NYLON",
                      "PIZZ", "=12 ?STR?"]),
    ("strings",      ["STRIN", "STRG", "STRNG", "STNG", "=STR", "=STGS?", "VIOLIN", "VIOLA",
                      "CELLO", "FIDDLE", "ORCH", "=BOW", "BOWED"]),
    ("brass",        ["BRASS", "=BRS", "=BRA", "=BR", "=BRAS", "HORN", "=HRNS?", "TRUMP",
                      "TRMPT", "TROMB", "=BONE", "POSAUNE", "TUBA", "FL[UE]+GEL", "CORNET"]),
    ("wind/reed",    ["FLUTE", "=FLT", "=FL", "CLARI", "=CLAR", "SAX", "OBOE", "BASSOON",
                      "PICCOLO", "RECORD", "PIPE", "WHISTLE", "HARMONICA", "OCARINA", "SHAKU",
                      "QUENA", "REED", "FIFE", "BAGPIPE"]),
    ("voice/choir",  ["CHOIR", "=VOX", "VOICE", "VOCAL", "VOCOD", "SINGER", "SINGIN", "=AAH",
                      "=OOH", "=CHOR", "HUMAN", "=HMN"]),
    ("lead",         ["LEAD", "=LD", "SOLO", "MINIMOOG"]),
    ("pad",          ["PAD", "SWELL", "SWEEP", "=SWP", "ATMOS", "AMBIEN", "ETHER(?!NET)", "DRONE",
                      "=WASH", "SPACE", "STRATOS"]),
]
CATEGORIES = [c for c, _ in RULES if c != NONE]
# -----------------------------------------------------------------------------


def _compile(pattern):
    if pattern.startswith("="):
        return re.compile(r"(?<![A-Z])(?:" + pattern[1:] + r")(?![A-Z])")
    return re.compile(pattern)


_COMPILED = [(c, [_compile(p) for p in ps]) for c, ps in RULES]


def normalise(name):
    """'CleanGtr1' -> 'CLEAN GTR1', 'E.PIANO 1' -> 'E PIANO 1' (see the module docstring)."""
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    s = re.sub(r"[^A-Z0-9]+", " ", s.upper())
    return s.strip()


def match(name):
    """-> (category or None, the pattern that decided). '(none)' rules give None."""
    text = normalise(name)
    for cat, pats in _COMPILED:
        for p in pats:
            if p.search(text):
                return (None if cat == NONE else cat), p.pattern
    return None, None


def categorize(name):
    """A voice name -> its category (one of CATEGORIES) or None."""
    return match(name)[0]


def label_all(names):
    return [categorize(n) for n in names]


def category_regions(encode_mean, params, names, min_voices=2, batch=512):
    """The Gaussian of each category's encoded voices (pass the TRAINING voices).

    encode_mean: callable int64 [B,145] -> float [B,8] (VAE.encode_mean, or the
    TorchScript file's encode: the same zK); params: int [N,145]; names: N str.
    -> (names list[str] in RULES order, mean float32 [C,8], std float32 [C,8]):
    the per-dimension mean and standard deviation (population, diagonal) of the
    latents of the voices each category labels. A category with fewer than
    min_voices voices is left out (no spread to draw from)."""
    import numpy as np
    import torch
    labels = label_all(names)
    params = np.asarray(params, dtype=np.int64)
    out_names, means, stds = [], [], []
    with torch.no_grad():
        for cat in CATEGORIES:
            idx = [i for i, lab in enumerate(labels) if lab == cat]
            if len(idx) < min_voices:
                continue
            x = torch.as_tensor(params[idx])
            z = torch.cat([encode_mean(x[i:i + batch]) for i in range(0, len(x), batch)]).float()
            out_names.append(cat)
            means.append(z.mean(0))
            stds.append(z.std(0, unbiased=False))
    dim = means[0].numel() if means else 8
    mean = torch.stack(means) if means else torch.zeros(0, dim)
    std = torch.stack(stds) if stds else torch.zeros(0, dim)
    return out_names, mean.contiguous(), std.contiguous()


def counts(names):
    labels = label_all(names)
    table = {c: 0 for c in CATEGORIES}
    for lab in labels:
        if lab is not None:
            table[lab] += 1
    return table, sum(lab is None for lab in labels)


def print_counts(corpus):
    names = corpus["names"]
    table, none = counts(names)
    n = len(names)
    print("\n| category | voices | share |\n|---|---:|---:|")
    for c in CATEGORIES:
        print(f"| {c} | {table[c]} | {100 * table[c] / n:.1f}% |")
    print(f"| (unlabelled) | {none} | {100 * none / n:.1f}% |")
    print(f"| all unique in-range voices | {n} | |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--eval", action="store_true", help="measure the categories (classifier, regions, audio)")
    ap.add_argument("--model", default=os.path.join(HERE, "dxlatent-vae.pt"))
    ap.add_argument("--dxlatent", default=os.path.join(HERE, "..", "build", "release", "bin", "dxlatent"))
    ap.add_argument("--n", type=int, default=200, help="voices drawn per category region")
    ap.add_argument("--n-audio", type=int, default=100, help="of those (and of the corpus's), how many to render")
    ap.add_argument("--seed", type=int, default=12)
    a = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import dx7
    if not os.path.isfile(a.data):
        print(f"corpus not found: {a.data}", file=sys.stderr)
        return 1
    corpus = dx7.load_corpus(a.data, verbose=False)
    if not a.eval:
        print_counts(corpus)
        return 0
    import category_eval
    return category_eval.run(corpus, a)


if __name__ == "__main__":
    sys.exit(main())
