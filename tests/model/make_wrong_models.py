"""Writes small TorchScript files that break the dxlatent model contract in one
way each, for tests/model/test_torch_decoder.cpp (run by CMake at build time):

    /usr/bin/python3 make_wrong_models.py SOURCE_DIR OUT_DIR

Every file is otherwise a valid, tiny model (random weights), so each test proves
the decoder refuses for the stated reason and not for another one.
"""
import os
import sys
from typing import List

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(sys.argv[1], "models"))
from dx7 import PARAM_NAMES, PARAM_CARDINALITY  # noqa: E402  (the contract's names and ranges)

OUT = sys.argv[2]
K = 100


class Tiny(nn.Module):
    format_version: int
    latent_dim: int
    n_params: int
    param_names: List[str]
    param_cardinality: List[int]
    category_names: List[str]

    def __init__(self, version=2, latent_dim=8, n_params=145, names=None, card=None,
                 out_params=145, shift=0, cat_names=("bass", "keys/piano"), cat_mean=None, cat_std=None):
        super().__init__()
        names = list(PARAM_NAMES if names is None else names)
        card = list(PARAM_CARDINALITY if card is None else card)
        self.format_version = version
        self.latent_dim = latent_dim
        self.n_params = n_params
        self.param_names = names
        self.param_cardinality = card
        self.out_params = out_params
        self.shift = shift
        self.lin = nn.Linear(latent_dim, out_params * K)
        self.enc = nn.Linear(out_params, latent_dim)
        full = list(PARAM_CARDINALITY) + [K] * max(0, out_params - 145)
        c = torch.tensor(full[:out_params])
        self.register_buffer("mask", torch.arange(K)[None, :] < c[:, None])
        self.register_buffer("quantile_levels", torch.linspace(0, 1, 11))
        self.register_buffer("latent_quantiles",
                             torch.linspace(-2, 2, 11)[None, :].repeat(latent_dim, 1))
        # format_version 2: the category regions (models/export.py has the contract)
        self.category_names = list(cat_names)
        c = len(cat_names)
        self.register_buffer("category_mean", torch.zeros(c, latent_dim) if cat_mean is None else cat_mean)
        self.register_buffer("category_std", torch.ones(c, latent_dim) if cat_std is None else cat_std)

    @torch.jit.export
    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        lg = self.lin(z).view(z.shape[0], self.out_params, 100)
        return lg.masked_fill(~self.mask, -1e9)

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode_logits(z).argmax(-1) + self.shift

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x.float())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z)


class NoCategories(Tiny):
    """format_version 2 without the category attributes (a v1 file relabelled)."""

    def __init__(self):
        super().__init__()
        del self.category_mean


class NoEncode(nn.Module):
    format_version: int
    latent_dim: int
    n_params: int
    param_names: List[str]
    param_cardinality: List[int]
    category_names: List[str]

    def __init__(self):
        super().__init__()
        self.format_version, self.latent_dim, self.n_params = 2, 8, 145
        self.category_names = ["bass"]
        self.register_buffer("category_mean", torch.zeros(1, 8))
        self.register_buffer("category_std", torch.ones(1, 8))
        self.param_names = list(PARAM_NAMES)
        self.param_cardinality = list(PARAM_CARDINALITY)
        self.register_buffer("quantile_levels", torch.linspace(0, 1, 11))
        self.register_buffer("latent_quantiles", torch.zeros(8, 11))

    @torch.jit.export
    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return torch.zeros(z.shape[0], 145, 100)

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.zeros(z.shape[0], 145, dtype=torch.long)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z)


def save(name, module):
    torch.jit.script(module.eval()).save(os.path.join(OUT, name))


os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)
swapped = list(PARAM_CARDINALITY)
swapped[0], swapped[11] = swapped[11], swapped[0]   # OP6 EG rate 1 <-> OP6 left curve
renamed = list(PARAM_NAMES)
renamed[0], renamed[1] = renamed[1], renamed[0]
save("valid_tiny.pt", Tiny())                       # control: must load
save("wrong_version.pt", Tiny(version=1))
save("future_version.pt", Tiny(version=3))
save("no_category_mean.pt", NoCategories())
save("wrong_category_shape.pt", Tiny(cat_mean=torch.zeros(2, 4)))
save("category_rows_mismatch.pt", Tiny(cat_names=("bass", "keys/piano", "organ"),
                                       cat_mean=torch.zeros(2, 8), cat_std=torch.ones(2, 8)))
save("category_std_zero.pt", Tiny(cat_std=torch.zeros(2, 8)))
save("category_mean_nan.pt", Tiny(cat_mean=torch.full((2, 8), float("nan"))))
save("category_duplicate.pt", Tiny(cat_names=("bass", "bass")))
save("wrong_latent_dim.pt", Tiny(latent_dim=4))
save("wrong_n_params.pt", Tiny(n_params=144, names=PARAM_NAMES[:144], card=PARAM_CARDINALITY[:144],
                               out_params=144))
save("wrong_cardinality.pt", Tiny(card=swapped))
save("wrong_names.pt", Tiny(names=renamed))
save("wrong_decode_shape.pt", Tiny(out_params=146))   # attributes right, decode returns [B,146]
save("out_of_range.pt", Tiny(shift=100))              # decode returns values past every range
save("no_encode.pt", NoEncode())
