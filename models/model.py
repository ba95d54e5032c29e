"""dxlatent VAE, second generation (issue 11): an MLP VAE whose decoder is a few
small matrix products, trained with a loss that knows how DX7 parameters sound.

encoder : one small embedding per (parameter, value) -> concatenated [145*d_emb]
          -> MLP -> (mu, logvar clamped to [LOGVAR_MIN, LOGVAR_MAX]); q(z|x) = N(mu, sigma)
decoder : z -> MLP -> [145, d_out] per-parameter features
          -> logits[p, k] = h_p . W[p, k] + b[p, k], masked to -1e9 outside parameter
          p's range (training and inference), so every decoded voice is valid.
loss    : per-parameter cross-entropy, weighted by how much a wrong value moves the
          sound (../shared/docs/model-facts.md), plus an ordinal term for ordered
          parameters: the expected distance E_q[|k - x|] / scale, so a level of 98 for 99
          costs little and 30 for 99 costs a lot, and the distribution is pulled
          together around the true value instead of spreading to the range's ends.

Why no attention and no flows (measured, models/README.md): the attention decoder of
generation 1 took 0.6 ms a decode and reached 74.5%; the MLP reaches more in less time
and decodes in a few hundredths of a millisecond. Flows made the prior's samples
worse (a quarter silent) for no accuracy; a diagonal Gaussian with a KL target keeps
the prior where the voices are.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from dx7 import N_PARAMS, MAX_CARD, PARAM_CARDINALITY, PARAM_NAMES, ALGORITHM_INDEX

# ---- default settings --------------------------------------------------------
DEFAULTS = dict(
    latent_dim=8,
    d_emb=8,                  # per (parameter, value) embedding in the encoder
    enc_hidden=[384, 256],
    dec_hidden=[256, 576],
    d_out=16,                 # per-parameter feature size before the output logits
    dropout=0.1,
    cond_algorithm=True,      # decode the algorithm first, then everything else given it
    alg_hidden=128,           # the algorithm head's hidden width
)
LOGVAR_MIN, LOGVAR_MAX = -12.0, 2.0
MASK_VALUE = -1e9

# Timbre weights (model-facts.md: share of the timbre change when the parameter is wrong).
TIMBRE_WEIGHT = {
    "output level": 3.0, "freq coarse": 2.0, "algorithm": 3.0, "transpose": 2.0,
    "feedback": 1.5, "osc mode": 1.5, "freq fine": 1.25, "EG level 2": 1.25, "EG level 3": 1.25,
    "EG rate 2": 1.25, "break point": 1.25,
}
# Ordered parameters (the ordinal term applies); categorical ones (algorithm, curves,
# LFO wave, on/off switches) are left out: their neighbours are not similar sounds.
NOT_ORDINAL = ("algorithm", "left curve", "right curve", "LFO wave", "osc mode",
               "osc key sync", "LFO key sync")
# -----------------------------------------------------------------------------


def range_mask():
    """bool [145, 100]: True where value k is inside parameter p's range."""
    card = torch.tensor(PARAM_CARDINALITY)
    return torch.arange(MAX_CARD)[None, :] < card[:, None]


def loss_weights():
    """-> (ce_weight [145], ordinal [145] bool, ordinal scale [145])"""
    w, ordn, scale = [], [], []
    for name, c in zip(PARAM_NAMES, PARAM_CARDINALITY):
        field = name.split(" ", 1)[1] if name.startswith("OP") else name
        w.append(next((v for k, v in TIMBRE_WEIGHT.items() if field.endswith(k)), 1.0))
        ordn.append(c >= 8 and not any(field.endswith(k) for k in NOT_ORDINAL))
        scale.append(max(1.0, (c - 1) / 10.0))   # a tenth of the range costs 1
    return torch.tensor(w), torch.tensor(ordn), torch.tensor(scale)


def mlp(sizes, dropout, last_act=True):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2 or last_act:
            layers += [nn.GELU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        card = torch.tensor(PARAM_CARDINALITY)
        self.register_buffer("offset", torch.cumsum(card, 0) - card)         # [145]
        self.emb = nn.Embedding(int(card.sum()), c["d_emb"])
        self.body = mlp([N_PARAMS * c["d_emb"]] + list(c["enc_hidden"]), c["dropout"])
        self.head = nn.Linear(c["enc_hidden"][-1], 2 * c["latent_dim"])
        self.latent_dim = c["latent_dim"]
        self.logvar_min, self.logvar_max = LOGVAR_MIN, LOGVAR_MAX   # attributes: TorchScript sees no globals

    def forward(self, x):
        h = self.emb(x + self.offset).flatten(1)
        mu, logvar = self.head(self.body(h)).split(self.latent_dim, dim=-1)
        return mu, logvar.clamp(self.logvar_min, self.logvar_max)

    def encode_mean(self, x):
        h = self.emb(x + self.offset).flatten(1)
        return self.head(self.body(h))[:, :self.latent_dim]


class Decoder(nn.Module):
    """z -> 145 masked categoricals. With cond_algorithm, a small head reads the
    algorithm from z first and the body decodes every other parameter given it (its
    one-hot joins z): which operators are carriers and which modulators depends on the
    algorithm, and an output level or a frequency ratio means a different sound in each
    role. Training feeds the true algorithm (teacher forcing); decoding, the head's."""
    def __init__(self, c):
        super().__init__()
        self.d_out = c["d_out"]
        self.cond = bool(c.get("cond_algorithm", False))
        n_alg = PARAM_CARDINALITY[ALGORITHM_INDEX]
        self.body = mlp([c["latent_dim"] + (n_alg if self.cond else 0)] + list(c["dec_hidden"]), c["dropout"])
        self.feat = nn.Linear(c["dec_hidden"][-1], N_PARAMS * c["d_out"])
        self.out_w = nn.Parameter(torch.randn(N_PARAMS, c["d_out"], MAX_CARD) / c["d_out"] ** 0.5)
        self.out_b = nn.Parameter(torch.zeros(N_PARAMS, MAX_CARD))
        if self.cond:
            self.alg_head = mlp([c["latent_dim"], c.get("alg_hidden", 128), n_alg], c["dropout"], last_act=False)
        self.register_buffer("mask", range_mask())

    def forward(self, z, algorithm=None):
        """algorithm: int [B] to condition on (training); None: the head's argmax"""
        if self.cond:
            alg_logits = self.alg_head(z)
            if algorithm is None:
                algorithm = alg_logits.argmax(-1)
            onehot = F.one_hot(algorithm, alg_logits.shape[-1]).to(z.dtype)
            z_in = torch.cat([z, onehot], -1)
        else:
            z_in = z
        h = F.gelu(self.feat(self.body(z_in))).view(z.shape[0], N_PARAMS, self.d_out)
        logits = torch.einsum("bpd,pdk->bpk", h, self.out_w) + self.out_b
        if self.cond:
            pad = logits.new_full((z.shape[0], MAX_CARD - alg_logits.shape[-1]), MASK_VALUE)
            logits = logits.clone()
            logits[:, ALGORITHM_INDEX] = torch.cat([alg_logits, pad], -1)
        return logits.masked_fill(~self.mask, MASK_VALUE)


class VAE(nn.Module):
    def __init__(self, **cfg):
        super().__init__()
        c = dict(DEFAULTS)
        c.update(cfg)
        self.cfg = c
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)

    def forward(self, x, sample: bool = True):
        """-> (logits [B,145,100], KL per voice and dim [B,L], z, mu)"""
        mu, logvar = self.encoder(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if sample else mu
        kl = 0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar)
        return self.decoder(z, x[:, ALGORITHM_INDEX] if self.training else None), kl, z, mu

    def encode_mean(self, x):
        return self.encoder.encode_mean(x)

    def decode_logits(self, z):
        return self.decoder(z)


def reconstruction_loss(logits, x, weights, ordinal, scale, lam_ord):
    """Weighted CE + lam_ord * expected ordinal distance, summed over parameters, per voice."""
    logp = F.log_softmax(logits, -1)                                         # [B,P,K]
    ce = -logp.gather(-1, x[..., None])[..., 0]                              # [B,P]
    loss = (ce * weights).sum(1)
    if lam_ord > 0:
        k = torch.arange(MAX_CARD, dtype=logits.dtype)
        dist = (k[None, None, :] - x[..., None].to(logits.dtype)).abs() / scale[None, :, None]
        exp_d = (logp.exp() * dist).sum(-1)                                  # [B,P]
        loss = loss + lam_ord * (exp_d * ordinal).sum(1)
    return loss, ce.sum(1)


def readout(logits: torch.Tensor, ordinal: torch.Tensor, median: bool) -> torch.Tensor:
    """Categoricals -> parameter values: the argmax, or, with `median`, the median of
    each ordered parameter's distribution (the argmax for the categorical ones).
    A spread distribution's argmax lands on an extreme mode (an output level of 99
    where the mass is spread over 40-99), which is much of what made decoded voices
    bright; the median stays among the values the model believes in, and equals the
    argmax wherever the most likely value holds half the mass or more."""
    am = logits.argmax(-1)
    if not median:
        return am
    p = torch.softmax(logits, -1)
    med = (p.cumsum(-1) < 0.5).sum(-1).clamp(max=logits.shape[-1] - 1)
    return torch.where(ordinal, med, am)


def n_params(m):
    return sum(p.numel() for p in m.parameters())
