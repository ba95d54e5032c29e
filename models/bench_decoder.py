"""Single-decode time of candidate decoder sizes (TorchScript, 1 thread, B=1).
usage: /usr/bin/python3 models/bench_decoder.py
(the shipped choice is the model.DEFAULTS decoder: d_dec=48, 2 layers, cross-attention
 + per-parameter z projection, no decoder self-attention)"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS
import sys
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import VAE, n_params   # noqa: E402
from export import script, time_decode   # noqa: E402

CANDIDATES = {
    "A d32 L2": dict(d_dec=32, n_dec=2, dec_heads=2, dec_ff=64),
    "B d48 L2 (shipped)": dict(d_dec=48, n_dec=2, dec_heads=4, dec_ff=96),
    "C d64 L3": dict(d_dec=64, n_dec=3, dec_heads=4, dec_ff=128),
    "D d48 L2 +self-attn": dict(d_dec=48, n_dec=2, dec_heads=4, dec_ff=96, dec_self_attn=True),
}

if __name__ == "__main__":
    torch.set_num_threads(1)
    torch.manual_seed(0)
    for name, c in CANDIDATES.items():
        vae = VAE(**c).eval()
        m = script(vae, torch.zeros(8, 1001))
        p50, p99 = time_decode(m, n=1000, warm=100)
        print(f"{name:22s} decoder params {n_params(vae.decoder):7d}  p50 {p50*1e3:.3f} ms  p99 {p99*1e3:.3f} ms",
              flush=True)
