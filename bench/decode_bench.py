"""Decode latency: dxlatent's C++ decoder vs the same model from Python vs the
seed's architecture, one thread each. Prints a table with the ratios.

usage (from the repository root, after building decode_bench):
    /usr/bin/python3 bench/decode_bench.py --cpp build/release/bin/decode_bench \
        [--model models/dxlatent-vae.pt] [--calls 10000] [--seed-calls 1000]

Rows:
  C++ TorchDecoder   bench/decode_bench.cpp: TorchDecoder::decode(), the live path
  Python TorchScript the same .pt, torch.jit.load, module.decode(z) per call
  seed architecture  the seed's decoder (attention width 256, 3 transformer layers,
                     155 tokens, 16 flows, random weights: speed does not depend on
                     the weights) called as its live script did: one eager Python
                     call per knob move, z built from the knob values, flows, decoder,
                     argmax, .tolist()
All single-threaded (torch.set_num_threads(1), OpenBLAS at 1 thread), batch 1.
The seed row uses fewer calls (--seed-calls) because each takes milliseconds.
"""
import os
os.environ["OPENBLAS_NUM_THREADS"] = "1"   # before torch loads OpenBLAS
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import json
import subprocess
import time

import numpy as np
import torch
import torch.nn as nn

# ---- the seed's architecture (from its description; weights random) ----------
SEED = dict(latent_dim=8, width=256, layers=3, heads=8, ff=1024, tokens=155, values=128, flows=16)


class SeedFlows(nn.Module):
    """16 triangular Sylvester steps z + R1 tanh(R2 z + b) on the 8-dim latent."""
    def __init__(self, L, K):
        super().__init__()
        self.r1 = nn.Parameter(torch.triu(torch.randn(K, L, L) * 0.1))
        self.r2 = nn.Parameter(torch.triu(torch.randn(K, L, L) * 0.1))
        self.b = nn.Parameter(torch.zeros(K, L))

    def forward(self, z):
        for k in range(self.r1.shape[0]):
            zp = z.flip(-1) if k % 2 else z
            dz = torch.tanh(zp @ self.r2[k].t() + self.b[k]) @ self.r1[k].t()
            z = z + (dz.flip(-1) if k % 2 else dz)
        return z


class SeedDecoder(nn.Module):
    """z -> 155 tokens (z projection + learned positions) -> 3 self-attention layers
    of width 256 -> a 128-way categorical per token (the 155-byte voice)."""
    def __init__(self, latent_dim, width, layers, heads, ff, tokens, values, flows):
        super().__init__()
        self.flows = SeedFlows(latent_dim, flows)
        self.z_proj = nn.Linear(latent_dim, width)
        self.pos = nn.Parameter(torch.randn(tokens, width) * 0.02)
        layer = nn.TransformerEncoderLayer(width, heads, ff, dropout=0.1, batch_first=True)
        self.body = nn.TransformerEncoder(layer, layers)
        self.out = nn.Linear(width, values)

    def forward(self, z):
        z = self.flows(z)
        x = self.z_proj(z)[:, None, :] + self.pos[None]
        return self.out(self.body(x))


def time_calls(fn, inputs, warm=50):
    for i in range(warm):
        fn(inputs[i % len(inputs)])
    ts = np.empty(len(inputs))
    for i, z in enumerate(inputs):
        t = time.perf_counter()
        fn(z)
        ts[i] = time.perf_counter() - t
    return ts * 1e6  # microseconds


def stats(us):
    return dict(p50_us=float(np.percentile(us, 50)), p99_us=float(np.percentile(us, 99)), max_us=float(us.max()))


def batch_vps(fn, size, min_s=1.0):
    z = torch.randn(size, 8)
    fn(z)
    n, t0 = 0, time.perf_counter()
    while True:
        fn(z)
        n += size
        dt = time.perf_counter() - t0
        if dt >= min_s and n >= 4 * size:
            return n / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cpp", required=True, help="path to the decode_bench executable")
    ap.add_argument("--model", default="models/dxlatent-vae.pt")
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--seed-calls", type=int, default=1000)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)

    # C++ first, alone on the cores (it is its own process).
    out = subprocess.run([a.cpp, "--model", a.model, "--calls", str(a.calls), "--json"],
                         check=True, capture_output=True, text=True).stdout
    cpp = json.loads(out.strip().splitlines()[-1])

    rng = np.random.default_rng(12345)
    knobs = [rng.standard_normal(8).astype(np.float32).tolist() for _ in range(a.calls)]

    m = torch.jit.load(a.model).eval()
    with torch.no_grad():
        def ours(zl):
            return m.decode(torch.tensor([zl]))[0].tolist()
        py = stats(time_calls(ours, knobs))
        py["batch32_vps"] = batch_vps(m.decode, 32)
        py["batch256_vps"] = batch_vps(m.decode, 256)
        py["batch1024_vps"] = batch_vps(m.decode, 1024)

    seed = SeedDecoder(**SEED).eval()
    n_seed = sum(p.numel() for p in seed.parameters())
    with torch.no_grad():
        def seed_live(zl):  # one knob move in the seed's live script
            return seed(torch.tensor([zl])).argmax(-1)[0].tolist()
        sd = stats(time_calls(seed_live, knobs[:a.seed_calls], warm=20))

    rows = [("C++ TorchDecoder (dxlatent)", cpp, a.calls),
            ("Python TorchScript, same model", py, a.calls),
            (f"Python seed arch ({n_seed / 1e6:.1f}M params)", sd, a.seed_calls)]
    print(f"model {a.model}; 1 thread; batch 1; latents from N(0, I)")
    print(f"{'path':38s} {'calls':>6s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s} {'p50 / C++':>10s} {'p99 / C++':>10s}")
    for name, s, n in rows:
        print(f"{name:38s} {n:6d} {s['p50_us'] / 1e3:8.3f} {s['p99_us'] / 1e3:8.3f} {s['max_us'] / 1e3:8.3f} "
              f"{s['p50_us'] / cpp['p50_us']:9.1f}x {s['p99_us'] / cpp['p99_us']:9.1f}x")
    print(f"seed path / C++: {sd['p50_us'] / cpp['p50_us']:.1f}x at p50, {sd['p99_us'] / cpp['p99_us']:.1f}x at p99")
    print("batch throughput, voices/s:  " + "  ".join(
        f"{who} {d['batch32_vps']:.0f} / {d['batch256_vps']:.0f} / {d['batch1024_vps']:.0f}"
        for who, d in (("C++", cpp), ("Python", py))) + "  (batch 32 / 256 / 1024)")
    print(f"OpenBLAS threads in the C++ process: {cpp['blas_threads']}")
    print(f"C++ single encode p50 {cpp['encode_p50_us'] / 1e3:.3f} ms; model load {cpp['load_ms']:.0f} ms")


if __name__ == "__main__":
    main()
