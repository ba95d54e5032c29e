"""Export a trained dxlatent VAE to TorchScript (models/dxlatent-vae.pt) + golden vectors.

Contract with the C++ side (format_version 2):
  decode(z: float32 [B,8]) -> int64 [B,145]          parameters, VCED order 0..144 (model.readout:
                                                     the median of each ordered parameter's
                                                     categorical, the argmax of the others)
  decode_logits(z)         -> float32 [B,145,100]    masked (-1e9 outside each range)
  encode(params: int64 [B,145]) -> float32 [B,8]     posterior mean
  decode_given_algorithm(z, algorithm: int 1..32) -> int64 [B,145]   as decode(), with the
                                                     algorithm given instead of read from z: the
                                                     decoder (conditioned on the algorithm) decodes
                                                     every other parameter for it (a live lock)
  attributes: format_version, latent_dim, n_params, param_names, param_cardinality,
              quantile_levels [1001], latent_quantiles [8,1001] (encode() of TRAINING voices),
              category_names [C], category_mean [C,8], category_std [C,8] (models/categories.py:
              the Gaussian of each category's encoded training voices)
Version 2 adds the categories; the methods are those of version 1.

usage: /usr/bin/python3 models/export.py --ckpt models/runs/v3/best.pt \
           --data ../shared/data/collection.bin --out models/dxlatent-vae.pt
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import argparse
import os
import sys
import time
from typing import List

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import categories               # noqa: E402
import dx7                      # noqa: E402
from model import VAE, MASK_VALUE, readout, loss_weights  # noqa: E402

# ---- settings ---------------------------------------------------------------
FORMAT_VERSION = 2       # 2: category regions (category_names/_mean/_std)
N_QUANTILES = 1001
GOLDEN_SEED = 7
MIN_MARGIN = 1e-3
MIN_CDF_MARGIN = 1e-4    # golden latents: no cdf value this close to 0.5 (the median would be fragile)
MEDIAN_READOUT = True    # model.readout: ordered parameters read their median (models/README.md says why)
# -----------------------------------------------------------------------------


class DXLatent(nn.Module):
    """The exported module (torch.jit.script of this). Decoding is the decoder's MLP,
    then one batched product per parameter with the range mask folded into the bias."""
    format_version: int
    latent_dim: int
    n_params: int
    d_out: int
    median_readout: bool
    cond_algorithm: bool
    algorithm_index: int
    param_names: List[str]
    param_cardinality: List[int]
    category_names: List[str]

    def __init__(self, vae: VAE, latent_quantiles: torch.Tensor, median_readout: bool = MEDIAN_READOUT,
                 regions=None):
        super().__init__()
        vae = vae.eval()
        dec = vae.decoder
        self.format_version = FORMAT_VERSION
        self.latent_dim = int(vae.cfg["latent_dim"])
        self.n_params = dx7.N_PARAMS
        self.d_out = int(dec.d_out)
        self.median_readout = bool(median_readout)
        self.register_buffer("ordinal", loss_weights()[1].clone())
        self.param_names = list(dx7.PARAM_NAMES)
        self.param_cardinality = list(dx7.PARAM_CARDINALITY)
        self.register_buffer("quantile_levels", torch.linspace(0, 1, N_QUANTILES))
        self.register_buffer("latent_quantiles", latent_quantiles.float().contiguous())
        names, mean, std = regions if regions is not None else ([], torch.zeros(0, 8), torch.ones(0, 8))
        self.category_names = list(names)   # models/categories.py: where each kind of sound lies
        self.register_buffer("category_mean", mean.float().contiguous())
        self.register_buffer("category_std", std.float().contiguous())
        self.encoder = vae.encoder
        self.body = dec.body
        self.cond_algorithm = bool(dec.cond)
        self.algorithm_index = dx7.ALGORITHM_INDEX
        self.alg_head = dec.alg_head if dec.cond else nn.Sequential()
        self.body_linears = nn.ModuleList([l for l in dec.body if isinstance(l, nn.Linear)])
        self.feat = dec.feat
        with torch.no_grad():
            mask = dec.mask
            self.register_buffer("out_w", (dec.out_w * mask[:, None, :]).contiguous())      # [P,d,K]
            self.register_buffer("out_b", dec.out_b.masked_fill(~mask, MASK_VALUE).contiguous())

    @torch.jit.export
    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.logits_for(z, -1)

    def logits_for(self, z: torch.Tensor, forced: int) -> torch.Tensor:
        """forced: an algorithm index 0..31 the decoder is conditioned on instead of its own
        choice, or -1."""
        B = z.shape[0]
        if B == 1:
            return self.decode_one(z[0], forced)[None]
        z_in = z
        alg_logits = z
        if self.cond_algorithm:
            alg_logits = self.alg_head(z)
            if forced >= 0:
                alg_logits = torch.full_like(alg_logits, -1.0e9)  # MASK_VALUE (TorchScript needs a literal)
                alg_logits[:, forced] = 0.0
            onehot = torch.nn.functional.one_hot(alg_logits.argmax(-1), alg_logits.shape[-1]).to(z.dtype)
            z_in = torch.cat([z, onehot], -1)
        h = torch.nn.functional.gelu(self.feat(self.body(z_in))).view(B, self.n_params, self.d_out)
        logits = torch.bmm(h.transpose(0, 1), self.out_w).transpose(0, 1) + self.out_b   # [B,P,K]
        if self.cond_algorithm:
            logits[:, self.algorithm_index, :alg_logits.shape[-1]] = alg_logits
        return logits

    def decode_one(self, z: torch.Tensor, forced: int) -> torch.Tensor:
        """The live engine's case, one latent: matrix-vector products (OpenBLAS's gemv is
        ~5x faster than its gemm with one row) and the per-parameter output as a
        broadcast multiply-sum (~3x faster than a 145-batch bmm of single rows)."""
        h = z
        alg_logits = z
        if self.cond_algorithm:
            alg_logits = self.alg_head(z[None])[0]
            if forced >= 0:
                alg_logits = torch.full_like(alg_logits, -1.0e9)  # MASK_VALUE (TorchScript needs a literal)
                alg_logits[forced] = 0.0
            onehot = torch.nn.functional.one_hot(alg_logits.argmax(-1), alg_logits.shape[-1]).to(z.dtype)
            h = torch.cat([z, onehot], -1)
        for layer in self.body_linears:   # each followed by GELU (dropout is off in eval)
            h = torch.nn.functional.gelu(torch.mv(layer.weight, h) + layer.bias)
        h = torch.nn.functional.gelu(torch.mv(self.feat.weight, h) + self.feat.bias).view(self.n_params, self.d_out)
        logits = (h[:, :, None] * self.out_w).sum(1) + self.out_b                       # [P,K]
        if self.cond_algorithm:
            logits[self.algorithm_index, :alg_logits.shape[-1]] = alg_logits
        return logits

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return readout(self.decode_logits(z), self.ordinal, self.median_readout)

    @torch.jit.export
    def decode_given_algorithm(self, z: torch.Tensor, algorithm: int) -> torch.Tensor:
        """algorithm: 1..32 as the DX7 shows it. Without an algorithm-conditioned decoder
        the algorithm is only overwritten."""
        out = readout(self.logits_for(z, algorithm - 1), self.ordinal, self.median_readout)
        out[:, self.algorithm_index] = algorithm - 1
        return out

    @torch.jit.export
    def encode(self, params: torch.Tensor) -> torch.Tensor:
        return self.encoder.encode_mean(params)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z)


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    ck["cfg"].setdefault("cond_algorithm", False)   # checkpoints from before the option
    vae = VAE(**ck["cfg"])
    vae.load_state_dict(ck["state_dict"])
    return vae.eval(), ck


@torch.no_grad()
def encode_all(vae, params, batch=512):
    out = []
    for i in range(0, len(params), batch):
        out.append(vae.encode_mean(torch.as_tensor(params[i:i + batch])))
    return torch.cat(out)


def script(vae, latent_quantiles, median_readout=MEDIAN_READOUT, regions=None):
    return torch.jit.script(DXLatent(vae, latent_quantiles, median_readout, regions).eval())


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
    ap.add_argument("--readout", choices=["median", "argmax"], default="median" if MEDIAN_READOUT else "argmax",
                    help="model.readout: median of each ordered parameter's categorical, or argmax everywhere")
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
    median = a.readout == "median"
    tr_names = [corpus["names"][i] for i in split["train"]]
    regions = categories.category_regions(vae.encode_mean, train, tr_names)
    print(f"category regions: {', '.join(regions[0])}")
    mod = script(vae, lq, median, regions)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    mod.save(a.out)
    m2 = torch.jit.load(a.out)
    print(f"wrote {a.out} ({os.path.getsize(a.out) / 1e6:.2f} MB)")

    # golden vectors: latents whose argmax has a clear margin (>= MIN_MARGIN between the
    # best and second-best logit of every parameter), so that float-level differences
    # between batch sizes or builds cannot flip a decoded value
    def clear(zz):
        """bool per latent: no decoded value sits on a knife edge (argmax tie, a cdf value
        at 0.5 under the median read-out)"""
        with torch.no_grad():
            lg = m2.decode_logits(zz)
            t2 = lg.topk(2, dim=-1).values
            ok = (t2[..., 0] - t2[..., 1]).min(-1).values >= MIN_MARGIN
            if median:
                p = torch.softmax(lg, -1)
                cdf_m = (p.cumsum(-1) - 0.5).abs()[:, m2.ordinal].min(-1).values.min(-1).values
                ok &= cdf_m >= MIN_CDF_MARGIN
        return ok

    def pick(cands, n):
        c = clear(cands)
        ok = cands[c]
        if len(ok) < n:
            print(f"warning: only {len(ok)} of {len(cands)} candidates decode clear of every threshold")
            ok = torch.cat([ok, cands[~c]])
        return list(ok[:n])

    g = torch.Generator().manual_seed(GOLDEN_SEED)
    zs = [torch.zeros(8)]
    zs += pick(torch.randn(64, 8, generator=g), 6)                            # prior samples
    zs += pick(encode_all(vae, test[:64]), 6)                                 # encoded test voices
    zs += pick(torch.randn(64, 8, generator=g) * 4.0, 4)                      # large |z|
    zs += [torch.full((8,), 6.0), torch.full((8,), -6.0)]
    Z = torch.stack(zs).float()
    with torch.no_grad():
        eager = readout(vae.decode_logits(Z), m2.ordinal, median)
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
