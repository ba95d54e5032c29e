"""Wraps a format_version 1 dxlatent TorchScript file into a format_version 2 one
(same decode/decode_logits/encode, plus the category regions), so the C++ side
can be tested against v2 before the model's own export writes it:

    /usr/bin/python3 make_v2_model.py SOURCE_DIR IN.pt OUT.pt [CORPUS]

The regions are models/categories.py's category_regions() over the encoded
TRAINING voices (dx7.make_split) when CORPUS exists; without it, placeholder
regions (mean 0, std 1 for every category) keep the file's shape valid, and a
line says so. The v2 contract this writes (what models/export.py is to write):

    format_version: int = 2
    category_names: List[str]   C names, C >= 1, unique, non-empty
    category_mean:  Tensor float32 [C, 8]   finite
    category_std:   Tensor float32 [C, 8]   finite, > 0
    (everything of version 1 unchanged)
"""
import os
import sys
from typing import List

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

SRC, IN, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
CORPUS = sys.argv[4] if len(sys.argv) > 4 else ""
sys.path.insert(0, os.path.join(SRC, "models"))
import categories  # noqa: E402
import dx7  # noqa: E402


class V2(nn.Module):
    format_version: int
    latent_dim: int
    n_params: int
    param_names: List[str]
    param_cardinality: List[int]
    category_names: List[str]

    def __init__(self, inner, names, mean, std):
        super().__init__()
        self.inner = inner
        self.format_version = 2
        self.latent_dim = int(inner.latent_dim)
        self.n_params = int(inner.n_params)
        self.param_names = list(inner.param_names)
        self.param_cardinality = list(inner.param_cardinality)
        self.register_buffer("quantile_levels", inner.quantile_levels.clone())
        self.register_buffer("latent_quantiles", inner.latent_quantiles.clone())
        self.category_names = list(names)
        self.register_buffer("category_mean", mean.float().contiguous())
        self.register_buffer("category_std", std.float().contiguous())

    @torch.jit.export
    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.inner.decode_logits(z)

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.inner.decode(z)

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner.encode(x)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.inner.decode(z)


def main():
    torch.set_num_threads(1)
    inner = torch.jit.load(IN)
    if CORPUS and os.path.isfile(CORPUS):
        c = dx7.load_corpus(CORPUS, verbose=False)
        tr = dx7.make_split(len(c["params"]))["train"]
        names, mean, std = categories.category_regions(inner.encode, c["params"][tr],
                                                       [c["names"][i] for i in tr])
    else:
        print(f"make_v2_model: corpus {CORPUS or '(none given)'} absent: placeholder regions N(0, I)")
        names = list(categories.CATEGORIES)
        mean, std = torch.zeros(len(names), 8), torch.ones(len(names), 8)
    m = torch.jit.script(V2(inner, names, mean, std).eval())
    os.makedirs(os.path.dirname(os.path.abspath(OUT)), exist_ok=True)
    tmp = OUT + ".tmp"
    m.save(tmp)
    os.replace(tmp, OUT)
    print(f"make_v2_model: wrote {OUT} ({len(names)} categories)")


main()
