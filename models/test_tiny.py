"""Tiny end-to-end run of the model pipeline (CI): train ~300 voices for 1 epoch,
export to a temporary folder, reload the TorchScript and check the contract.

usage: /usr/bin/python3 models/test_tiny.py [--data ../shared/data/collection.bin]
Exit 0: pass; 1: fail; 77: SKIP (corpus absent).
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "shared", "data", "collection.bin")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=DEFAULT_DATA)
    a = ap.parse_args()
    if not os.path.isfile(a.data):
        print(f"SKIP: DX7 corpus not found at {a.data}")
        return 77
    t0 = time.time()
    sys.path.insert(0, HERE)
    import torch
    import dx7
    import train
    import export
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        run = os.path.join(tmp, "run")
        train.main(["--data", a.data, "--out", run, "--epochs", "1", "--max-voices", "300",
                    "--threads", "1", "--no-progress"])
        for f in ("best.pt", "last.pt", "split.npz", "log.csv", "steps.csv", "config.json"):
            assert os.path.isfile(os.path.join(run, f)), f"training did not write {f}"
        pt = os.path.join(tmp, "dxlatent-vae.pt")
        export.main(["--ckpt", os.path.join(run, "best.pt"), "--data", a.data, "--out", pt, "--no-timing"])
        golden = os.path.join(tmp, "dxlatent-vae.golden.txt")
        assert os.path.isfile(golden), "golden file not written"

        m = torch.jit.load(pt)
        assert m.format_version == 2
        assert m.latent_dim == 8 and m.n_params == 145
        assert list(m.param_names) == dx7.PARAM_NAMES
        assert list(m.param_cardinality) == dx7.PARAM_CARDINALITY
        assert m.quantile_levels.shape == (1001,) and m.quantile_levels.dtype == torch.float32
        assert m.latent_quantiles.shape == (8, 1001) and m.latent_quantiles.dtype == torch.float32
        assert bool((m.latent_quantiles[:, 1:] >= m.latent_quantiles[:, :-1]).all())
        C = len(m.category_names)
        assert m.category_mean.shape == (C, 8) and m.category_std.shape == (C, 8)
        assert bool(torch.isfinite(m.category_mean).all()) and bool((m.category_std >= 0).all())
        card = torch.tensor(dx7.PARAM_CARDINALITY)
        z = torch.cat([torch.zeros(1, 8), torch.randn(63, 8) * 3])
        p = m.decode(z)
        assert p.dtype == torch.int64 and p.shape == (64, 145)
        assert bool((p >= 0).all()) and bool((p < card).all()), "decoded value out of range"
        lg = m.decode_logits(z)
        assert lg.dtype == torch.float32 and lg.shape == (64, 145, 100)
        from model import readout
        assert torch.equal(readout(lg, m.ordinal, m.median_readout), p), "decode is not the read-out of decode_logits"
        e = m.encode(p)
        assert e.dtype == torch.float32 and e.shape == (64, 8)
        assert bool(torch.isfinite(e).all())

        lines = open(golden).read().split("\n")
        dec = [l.split() for l in lines if l.startswith("decode ")]
        enc = [l.split() for l in lines if l.startswith("encode ")]
        assert len(dec) >= 16 and len(enc) >= 8
        assert all(len(l) == 1 + 8 + 145 for l in dec + enc)
        zg = torch.tensor([[float(v) for v in l[1:9]] for l in dec])
        pg = torch.tensor([[int(v) for v in l[9:]] for l in dec])
        assert torch.equal(m.decode(zg), pg), "golden decode does not reproduce"
        pe = torch.tensor([[int(v) for v in l[1:146]] for l in enc])
        ze = torch.tensor([[float(v) for v in l[146:]] for l in enc])
        assert torch.allclose(m.encode(pe), ze, atol=1e-4, rtol=1e-4), "golden encode does not reproduce"
    print(f"PASS: tiny train/export/reload in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
