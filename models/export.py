"""Export a trained dxlatent VAE to TorchScript (models/dxlatent-vae.pt) + golden vectors.

Contract with the C++ side (format_version 1):
  decode(z: float32 [B,8]) -> int64 [B,145]          argmax parameters, VCED order 0..144
  decode_logits(z)         -> float32 [B,145,100]    masked (-1e9 outside each range)
  encode(params: int64 [B,145]) -> float32 [B,8]     zK of the posterior mean
  attributes: format_version, latent_dim, n_params, param_names, param_cardinality,
              quantile_levels [1001], latent_quantiles [8,1001] (encode() of TRAINING voices)

usage: /usr/bin/python3 models/export.py --ckpt models/runs/full/best.pt \
           --data ../shared/data/collection.bin --out models/dxlatent-vae.pt
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import argparse
import math
import os
import sys
import time
from typing import List

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dx7                      # noqa: E402
from model import VAE, MASK_VALUE, Encoder  # noqa: E402

# ---- settings ---------------------------------------------------------------
FORMAT_VERSION = 1
N_QUANTILES = 1001
GOLDEN_SEED = 7
MIN_MARGIN = 1e-3
# -----------------------------------------------------------------------------


class FastLayer(nn.Module):
    """DecoderLayer with the z -> memory -> key/value chain folded into one Linear(8, M*2d)."""
    def __init__(self, layer, to_mem, n_mem: int):
        super().__init__()
        d = layer.d
        self.d, self.heads, self.n_mem = d, layer.heads, n_mem
        self.scale = 1.0 / math.sqrt(d // layer.heads)
        with torch.no_grad():
            A = to_mem.weight.view(n_mem, d, -1)           # [M,d,L]
            c = to_mem.bias.view(n_mem, d)                  # [M,d]
            W, b = layer.kv.weight, layer.kv.bias           # [2d,d], [2d]
            Wf = torch.einsum("ed,mdl->mel", W, A).reshape(n_mem * 2 * d, -1)
            bf = (c @ W.t() + b).reshape(-1)
        self.mem_kv = nn.Linear(Wf.shape[1], Wf.shape[0])
        with torch.no_grad():
            self.mem_kv.weight.copy_(Wf)
            self.mem_kv.bias.copy_(bf)
        self.ln_q, self.q, self.o = layer.ln_q, layer.q, layer.o
        self.has_self = bool(layer.self_attn)
        if self.has_self:
            self.ln_s, self.qkv_s, self.o_s = layer.ln_s, layer.qkv_s, layer.o_s
        else:
            self.ln_s, self.qkv_s, self.o_s = nn.Identity(), nn.Identity(), nn.Identity()
        self.ln_f, self.ff = layer.ln_f, layer.ff

    def cross(self, x, q, z):
        B = z.shape[0]
        H, e = self.heads, self.d // self.heads
        kv = self.mem_kv(z).view(B, self.n_mem, 2, H, e)
        k = kv[:, :, 0].transpose(1, 2)                    # [B,H,M,e]
        v = kv[:, :, 1].transpose(1, 2)
        qh = q.view(q.shape[0], -1, H, e).transpose(1, 2)  # [b,H,P,e]
        a = torch.softmax(torch.matmul(qh, k.transpose(-1, -2)) * self.scale, dim=-1)
        y = torch.matmul(a, v).transpose(1, 2).reshape(B, -1, self.d)
        return x + self.o(y)

    def rest(self, x):
        B = x.shape[0]
        H, e = self.heads, self.d // self.heads
        if self.has_self:
            s = self.qkv_s(self.ln_s(x)).view(B, -1, 3, H, e)
            qs, ks, vs = s[:, :, 0].transpose(1, 2), s[:, :, 1].transpose(1, 2), s[:, :, 2].transpose(1, 2)
            a = torch.softmax(torch.matmul(qs, ks.transpose(-1, -2)) * self.scale, dim=-1)
            x = x + self.o_s(torch.matmul(a, vs).transpose(1, 2).reshape(B, -1, self.d))
        return x + self.ff(self.ln_f(x))

    def project_q(self, x):
        return self.q(self.ln_q(x))


class DXLatent(nn.Module):
    """The exported module (torch.jit.script of this)."""
    format_version: int
    direct: bool
    latent_dim: int
    n_params: int
    param_names: List[str]
    param_cardinality: List[int]

    def __init__(self, vae: VAE, latent_quantiles: torch.Tensor):
        super().__init__()
        vae = vae.eval()
        dec = vae.decoder
        self.format_version = FORMAT_VERSION
        self.latent_dim = int(vae.cfg["latent_dim"])
        self.n_params = dx7.N_PARAMS
        self.param_names = list(dx7.PARAM_NAMES)
        self.param_cardinality = list(dx7.PARAM_CARDINALITY)
        self.register_buffer("quantile_levels", torch.linspace(0, 1, N_QUANTILES))
        self.register_buffer("latent_quantiles", latent_quantiles.float().contiguous())
        self.encoder = vae.encoder
        self.layers = nn.ModuleList([FastLayer(l, dec.to_mem, dec.n_mem) for l in dec.layers])
        with torch.no_grad():
            x0 = dec.queries[None].clone()                                  # [1,P,d]
            self.register_buffer("x0", x0)
            # z-independent: the first layer's query projection
            self.register_buffer("q0", dec.layers[0].q(dec.layers[0].ln_q(x0)).clone())
            mask = dec.mask
            w = dec.out_w.clone() * mask[:, :, None]
            self.register_buffer("out_wt", w.transpose(1, 2).contiguous())  # [P,d,K]
            self.register_buffer("out_b", dec.out_b.clone().masked_fill(~mask, MASK_VALUE))
        self.ln = dec.ln
        self.direct = bool(dec.direct)
        with torch.no_grad():   # [L, P*d]: z -> per-parameter residual term of layer 0
            self.register_buffer("direct_flat", dec.direct_w.permute(1, 0, 2).reshape(dec.direct_w.shape[1], -1).clone())

    @torch.jit.export
    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        B = z.shape[0]
        x = self.x0.expand(B, -1, -1)
        for i, layer in enumerate(self.layers):
            if i == 0:
                q = self.q0
            else:
                q = layer.project_q(x)
            x = layer.cross(x, q, z)
            if i == 0 and self.direct:
                x = x + torch.mm(z, self.direct_flat).view(B, self.n_params, -1)
            x = layer.rest(x)
        h = self.ln(x).transpose(0, 1)                                     # [P,B,d]
        return torch.bmm(h, self.out_wt).transpose(0, 1) + self.out_b       # [B,P,K]

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode_logits(z).argmax(-1)

    @torch.jit.export
    def encode(self, params: torch.Tensor) -> torch.Tensor:
        return self.encoder.encode_mean(params)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z)


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    vae = VAE(**ck["cfg"])
    vae.load_state_dict(ck["state_dict"])
    return vae.eval(), ck


@torch.no_grad()
def encode_all(vae, params, batch=512):
    out = []
    for i in range(0, len(params), batch):
        out.append(vae.encode_mean(torch.as_tensor(params[i:i + batch])))
    return torch.cat(out)


def script(vae, latent_quantiles):
    return torch.jit.script(DXLatent(vae, latent_quantiles).eval())


def time_decode(module, n=300, warm=50):
    """median / p99 seconds of one decode(z [1,8]) with the current thread settings."""
    z = torch.randn(1, 8)
    with torch.no_grad():
        for _ in range(warm):
            module.decode(z)
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            module.decode(z)
            ts.append(time.perf_counter() - t)
    ts = np.array(ts)
    return float(np.median(ts)), float(np.percentile(ts, 99))


def fmt_z(v):
    return " ".join("%.9g" % float(x) for x in v)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default="models/dxlatent-vae.pt")
    ap.add_argument("--golden", default=None, help="default: OUT with .golden.txt")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-timing", action="store_true")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    golden = a.golden or a.out[:-3] + ".golden.txt"
    vae, ck = load_checkpoint(a.ckpt)
    corpus = dx7.load_corpus(a.data)
    params = corpus["params"]
    split = ck["split"]
    train = params[split["train"]]
    test = params[split["test"]]

    zt = encode_all(vae, train)                                             # [N,8]
    lq = torch.quantile(zt.t().double(), torch.linspace(0, 1, N_QUANTILES).double(), dim=1).t().float()
    mod = script(vae, lq)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    mod.save(a.out)
    m2 = torch.jit.load(a.out)
    print(f"wrote {a.out} ({os.path.getsize(a.out) / 1e6:.2f} MB)")

    # golden vectors: latents whose argmax has a clear margin (>= MIN_MARGIN between the
    # best and second-best logit of every parameter), so that float-level differences
    # between batch sizes or builds cannot flip a decoded value
    def margin(zz):
        with torch.no_grad():
            t2 = m2.decode_logits(zz).topk(2, dim=-1).values
        return (t2[..., 0] - t2[..., 1]).min(-1).values

    def pick(cands, n):
        ok = cands[margin(cands) >= MIN_MARGIN]
        if len(ok) < n:
            print(f"warning: only {len(ok)} of {len(cands)} candidates have margin >= {MIN_MARGIN}")
            ok = torch.cat([ok, cands[margin(cands) < MIN_MARGIN]])
        return list(ok[:n])

    g = torch.Generator().manual_seed(GOLDEN_SEED)
    zs = [torch.zeros(8)]
    zs += pick(torch.randn(64, 8, generator=g), 6)                            # prior samples
    zs += pick(encode_all(vae, test[:64]), 6)                                 # encoded test voices
    zs += pick(torch.randn(64, 8, generator=g) * 4.0, 4)                      # large |z|
    zs += [torch.full((8,), 6.0), torch.full((8,), -6.0)]
    Z = torch.stack(zs).float()
    with torch.no_grad():
        eager = vae.decode_logits(Z).argmax(-1)
        jit_dec = m2.decode(Z)
        jit_enc = m2.encode(torch.as_tensor(test[:8]))
        eager_enc = vae.encode_mean(torch.as_tensor(test[:8]))
        logits = m2.decode_logits(Z)
    assert jit_dec.dtype == torch.int64 and jit_dec.shape == (len(Z), 145)
    n_diff = int((eager != jit_dec).sum())
    print(f"decode: TorchScript vs eager differ in {n_diff} of {jit_dec.numel()} params; "
          f"encode max |diff| {float((jit_enc - eager_enc).abs().max()):.2e}")
    assert n_diff == 0, "TorchScript decode does not match the eager model"
    with torch.no_grad():  # the C++ side decodes one latent at a time: B=1 must agree with the batch
        single = torch.cat([m2.decode(Z[i:i + 1]) for i in range(len(Z))])
        by7 = torch.cat([m2.decode(Z[i:i + 7]) for i in range(0, len(Z), 7)])
        top2 = logits.topk(2, dim=-1).values
    assert torch.equal(single, jit_dec), "B=1 decode differs from batched decode"
    assert torch.equal(by7, jit_dec), "B=7 decode differs from batched decode"
    margin = float((top2[..., 0] - top2[..., 1]).min())
    print(f"golden decode: smallest top-1/top-2 logit margin {margin:.3g} (ties would be fragile)")
    card = torch.tensor(dx7.PARAM_CARDINALITY)
    assert bool((jit_dec < card).all()) and bool((jit_dec >= 0).all())
    assert bool((logits[:, ~vae.decoder.mask] == MASK_VALUE).all())
    with open(golden, "w") as f:
        for z, p in zip(Z, jit_dec):
            f.write("decode " + fmt_z(z) + " " + " ".join(str(int(v)) for v in p) + "\n")
        for p, z in zip(test[:8], jit_enc):
            f.write("encode " + " ".join(str(int(v)) for v in p) + " "
                    + " ".join("%.7g" % float(v) for v in z) + "\n")
    print(f"wrote {golden} ({len(Z)} decode + 8 encode cases)")
    if a.no_timing:
        return
    p50, p99 = time_decode(m2)
    print(f"single decode (TorchScript, {a.threads} thread): p50 {p50 * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
