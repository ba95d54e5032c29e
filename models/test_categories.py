"""Unit test of the name rules of models/categories.py (CI): a table of DX7 names
and the category each must get, then, when the corpus is present, that every
category labels some corpus voices and category_regions() returns one finite
Gaussian per category.

usage: /usr/bin/python3 models/test_categories.py [--data ../shared/data/collection.bin]
Exit 0: pass; 1: fail; 77: SKIP (corpus absent; the table, which needs no
corpus, has passed by then, so a missing corpus never hides a broken rule).
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import argparse
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import categories as C  # noqa: E402

# name as stored (10 characters, blanks kept) -> category (None: unlabelled)
TABLE = [
    ("E.PIANO 1 ", "keys/piano"), ("BASS  1   ", "bass"), ("STRINGS 2 ", "strings"),
    ("BRASS   3 ", "brass"), ("MARIMBA   ", "bell/mallet"), ("SYN-LEAD 1", "lead"),
    ("TUB BELLS ", "bell/mallet"), ("EP 5      ", "keys/piano"), ("SynthBs.13", "bass"),
    ("Digi.Bs.x3", "bass"), ("LayrStrin2", "strings"), ("STR ENS 2 ", "strings"),
    ("CleanGtr1 ", "pluck/guitar"), ("JAZZGTR2  ", "pluck/guitar"), ("CLAV-PIANO", "keys/piano"),
    ("Clavinet 7", "keys/piano"), ("HARPSI. 2A", "keys/piano"), ("Dbl.Harp.3", "pluck/guitar"),
    ("E.ORG  8.2", "organ"), ("OrgSyn.01 ", "organ"), ("PipeOrgn47", "organ"),
    ("  B3 #2   ", "organ"), ("BagPipes.6", "wind/reed"), ("BASSOON 1 ", "wind/reed"),
    ("SYNBRASS 1", "brass"), ("FrenchHrnI", "brass"), ("Solo.Trmpt", "brass"),
    ("MALE...Vox", "voice/choir"), ("ChoirSrvvr", "voice/choir"), ("CHORUS 1  ", None),
    ("ELEC.DRUMS", "percussion"), ("SimmTom.12", "percussion"), ("BASS DRUM ", "percussion"),
    ("??COW BELL", "percussion"), ("Claves    ", "percussion"), ("Xylophone ", "bell/mallet"),
    ("VIBES    B", "bell/mallet"), ("Good-Vibes", "bell/mallet"), ("{{Koto.2}}", "pluck/guitar"),
    ("^ Lute.1 ^", "pluck/guitar"), ("DIRTYFLUTE", "wind/reed"), ("BLK-TRM.FL", "wind/reed"),
    ("SW Sax    ", "wind/reed"), ("LASER SE 1", "sfx"), ("EXPLOSION ", "sfx"),
    ("WarmPad.08", "pad"), ("CLAVIBASS ", "bass"), ("StringBell", "bell/mallet"),
    ("INIT VOICE", None), ("RiverStar ", None), ("BEETHOVEN ", None), ("          ", None),
    ("Rhodes.26 ", "keys/piano"), ("STEINWAY47", "keys/piano"), ("ATAK16 PNO", "keys/piano"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=C.DEFAULT_DATA)
    a = ap.parse_args()
    bad = []
    for name, want in TABLE:
        got, why = C.match(name)
        if got != want:
            bad.append(f"  {name!r}: got {got} (pattern {why}), expected {want} "
                       f"(normalised {C.normalise(name)!r})")
    assert set(C.CATEGORIES) == {c for c, _ in C.RULES} - {C.NONE}
    if bad:
        print(f"FAIL: {len(bad)} of {len(TABLE)} names labelled wrongly:\n" + "\n".join(bad))
        return 1
    print(f"ok: {len(TABLE)} names labelled as the table says")

    if not os.path.isfile(a.data):
        print(f"SKIP: DX7 corpus not found at {a.data}: counts and regions not checked")
        return 77
    import torch
    import dx7
    corpus = dx7.load_corpus(a.data, verbose=False)
    table, none = C.counts(corpus["names"])
    empty = [c for c, n in table.items() if n < 50]
    if empty:
        print(f"FAIL: categories with fewer than 50 corpus voices: {empty}")
        return 1
    print(f"ok: every category labels >= 50 corpus voices; {none} of {len(corpus['names'])} unlabelled")

    # Regions from a stand-in encoder (the mean of a few one-hot features): the
    # function's contract (order, shapes, dtype, finite, spread > 0), not the model.
    torch.manual_seed(0)
    w = torch.randn(145, 8)
    enc = lambda x: (x.float() / 100.0) @ w  # noqa: E731
    names, mean, std = C.category_regions(enc, corpus["params"][:4000], corpus["names"][:4000])
    assert names == [c for c in C.CATEGORIES if c in names], names
    assert len(names) >= 10, names
    assert mean.shape == (len(names), 8) and std.shape == (len(names), 8), (mean.shape, std.shape)
    assert mean.dtype == torch.float32 and std.dtype == torch.float32
    assert bool(torch.isfinite(mean).all()) and bool((std > 0).all())
    print(f"ok: category_regions -> {len(names)} categories, mean/std float32 [{len(names)},8]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
