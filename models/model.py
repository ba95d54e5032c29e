"""dxlatent VAE (issue 4): transformer encoder, triangular Sylvester flows, lean
cross-attention decoder with per-parameter masked categoricals.

encoder : tok_p = E_value[p, x_p] + E_id[p]  -> n_enc pre-LN self-attention layers
          -> mean pool -> LN -> (mu, logvar clamped to [LOGVAR_MIN, LOGVAR_MAX],
          amortised flow parameters)
flows   : n_flows triangular Sylvester flows (van den Berg et al. 2018),
          z_{k+1} = z_k + P R1 tanh(R2 P z_k + b), P alternating identity / reversal.
          The prior N(0, I) is on zK.
decoder : memory = n_mem tokens linear in zK; 145 learned parameter queries;
          n_dec layers of [cross-attention to memory, optional self-attention, FFN];
          logits[p, k] = h_p . W_out[p, k] + b_out[p, k], masked to -1e9 outside
          parameter p's range (training and inference).
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

from dx7 import N_PARAMS, MAX_CARD, PARAM_CARDINALITY

# ---- default settings --------------------------------------------------------
DEFAULTS = dict(
    latent_dim=8,
    d_enc=32, n_enc=2, enc_heads=1, enc_ff=64, enc_hidden=128,
    d_dec=48, n_dec=2, dec_heads=4, dec_ff=96, n_mem=8, dec_self_attn=False,
    dec_direct=True,     # add a per-parameter linear projection of z to each query's residual
    n_pool=8,            # learned pooling queries (attention pooling); 0 = mean pooling
    n_flows=16,
    dropout=0.1,
)
LOGVAR_MIN, LOGVAR_MAX = -12.0, 2.0
MASK_VALUE = -1e9
# -----------------------------------------------------------------------------


def range_mask():
    """bool [145, 100]: True where value k is inside parameter p's range."""
    card = torch.tensor(PARAM_CARDINALITY)
    return torch.arange(MAX_CARD)[None, :] < card[:, None]


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ff, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.GELU(), nn.Linear(ff, d))
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.drop(self.attn(h, h, h, need_weights=False)[0])
        return x + self.drop(self.ff(self.ln2(x)))


class DecoderLayer(nn.Module):
    """cross-attention (queries -> z memory), optional self-attention, FFN; pre-LN.
    Attention is written out (no nn.MultiheadAttention) so that export can
    precompute the first layer's query projection, which does not depend on z."""
    def __init__(self, d, heads, ff, self_attn, dropout):
        super().__init__()
        self.d, self.heads = d, heads
        self.ln_q = nn.LayerNorm(d)
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)   # applied to memory tokens
        self.o = nn.Linear(d, d)
        self.self_attn = self_attn
        if self_attn:
            self.ln_s = nn.LayerNorm(d)
            self.qkv_s = nn.Linear(d, 3 * d)
            self.o_s = nn.Linear(d, d)
        self.ln_f = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.GELU(), nn.Linear(ff, d))
        self.drop = nn.Dropout(dropout)

    def _heads(self, t):  # [B,T,d] -> [B,H,T,d/H]
        B, T, _ = t.shape
        return t.view(B, T, self.heads, self.d // self.heads).transpose(1, 2)

    def _merge(self, t):
        B, H, T, e = t.shape
        return t.transpose(1, 2).reshape(B, T, H * e)

    def cross(self, x, q, mem):
        # q: projected queries [B or 1, P, d]; mem: [B, M, d]
        k, v = self.kv(mem).chunk(2, dim=-1)
        B = mem.shape[0]
        qh = self._heads(q.expand(B, -1, -1))
        a = torch.softmax(qh @ self._heads(k).transpose(-1, -2) / math.sqrt(self.d // self.heads), dim=-1)
        return x + self.drop(self.o(self._merge(a @ self._heads(v))))

    def rest(self, x):
        if self.self_attn:
            q, k, v = self.qkv_s(self.ln_s(x)).chunk(3, dim=-1)
            a = torch.softmax(self._heads(q) @ self._heads(k).transpose(-1, -2)
                              / math.sqrt(self.d // self.heads), dim=-1)
            x = x + self.drop(self.o_s(self._merge(a @ self._heads(v))))
        return x + self.drop(self.ff(self.ln_f(x)))

    def forward(self, x, mem):
        return self.rest(self.cross(x, self.q(self.ln_q(x)), mem))


class Encoder(nn.Module):
    """params -> posterior (mu, logvar) and amortised flow parameters; flows."""
    def __init__(self, c):
        super().__init__()
        L, de, K = c["latent_dim"], c["d_enc"], c["n_flows"]
        self.L, self.n_flows = L, K
        self.logvar_min, self.logvar_max = LOGVAR_MIN, LOGVAR_MAX
        card = torch.tensor(PARAM_CARDINALITY)
        self.register_buffer("offset", torch.cumsum(card, 0) - card)   # row of (p, 0)
        self.val_emb = nn.Embedding(int(card.sum()), de)                # value of each param
        self.id_emb = nn.Parameter(torch.randn(N_PARAMS, de) * 0.02)   # identity of each param
        nn.init.normal_(self.val_emb.weight, std=0.02)
        self.layers = nn.ModuleList([EncoderLayer(de, c["enc_heads"], c["enc_ff"], c["dropout"])
                                     for _ in range(c["n_enc"])])
        self.n_pool = c["n_pool"]
        self.ln = nn.LayerNorm(de)
        if self.n_pool > 0:
            # attention pooling: n_pool learned queries, one head each, concatenated
            self.pool_q = nn.Parameter(torch.randn(self.n_pool, de) * 0.02)
            self.pool_k = nn.Linear(de, de)
            self.pool_v = nn.Linear(de, de)
            dh = self.n_pool * de
        else:
            dh = de
        self.head = nn.Sequential(nn.LayerNorm(dh), nn.Linear(dh, c["enc_hidden"]), nn.GELU())
        dh = c["enc_hidden"]
        self.to_mu = nn.Linear(dh, L)
        self.to_logvar = nn.Linear(dh, L)
        self.amor_full = nn.Linear(dh, L * L * K)
        self.amor_diag1 = nn.Linear(dh, L * K)
        self.amor_diag2 = nn.Linear(dh, L * K)
        self.amor_b = nn.Linear(dh, L * K)
        self.register_buffer("triu", torch.triu(torch.ones(L, L), diagonal=1))
        self.register_buffer("flip", torch.arange(L - 1, -1, -1))

    def hidden(self, x):
        """x int64 [B,145] -> pooled hidden [B,d_enc]"""
        t = self.val_emb(x + self.offset) + self.id_emb
        for layer in self.layers:
            t = layer(t)
        t = self.ln(t)
        if self.n_pool > 0:
            a = torch.softmax(torch.einsum("qd,bpd->bqp", self.pool_q, self.pool_k(t))
                              / math.sqrt(t.shape[-1]), dim=-1)
            pooled = torch.bmm(a, self.pool_v(t)).flatten(1)      # [B, n_pool*d]
        else:
            pooled = t.mean(1)
        return self.head(pooled)

    def posterior(self, h):
        mu = self.to_mu(h)
        logvar = self.to_logvar(h).clamp(self.logvar_min, self.logvar_max)
        B, L, K = h.shape[0], self.L, self.n_flows
        full = self.amor_full(h).view(B, L, L, K).permute(0, 3, 1, 2)   # [B,K,L,L]
        d1 = torch.tanh(self.amor_diag1(h).view(B, L, K)).transpose(1, 2)  # [B,K,L]
        d2 = torch.tanh(self.amor_diag2(h).view(B, L, K)).transpose(1, 2)
        r1 = full * self.triu + torch.diag_embed(d1)
        r2 = full.transpose(-1, -2) * self.triu + torch.diag_embed(d2)
        b = self.amor_b(h).view(B, L, K).transpose(1, 2)                  # [B,K,L]
        return mu, logvar, r1, r2, b

    def flow(self, z, r1, r2, b):
        """triangular Sylvester flows: z [B,L] -> (zK [B,L], sum log|det J| [B])"""
        ldj = torch.zeros(z.shape[0], device=z.device)
        for k in range(self.n_flows):
            rk1, rk2 = r1[:, k], r2[:, k]
            zp = z.index_select(1, self.flip) if k % 2 == 1 else z
            pre = torch.bmm(rk2, zp.unsqueeze(-1)).squeeze(-1) + b[:, k]
            hval = torch.tanh(pre)
            dz = torch.bmm(rk1, hval.unsqueeze(-1)).squeeze(-1)
            if k % 2 == 1:
                dz = dz.index_select(1, self.flip)
            z = z + dz
            dj = 1.0 + (1.0 - hval * hval) * torch.diagonal(rk1, 0, 1, 2) * torch.diagonal(rk2, 0, 1, 2)
            ldj = ldj + dj.abs().clamp_min(1e-12).log().sum(-1)
        return z, ldj

    def encode_mean(self, x):
        """zK of the posterior mean (flows applied to mu)."""
        mu, logvar, r1, r2, b = self.posterior(self.hidden(x))
        return self.flow(mu, r1, r2, b)[0]


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        L, dd = c["latent_dim"], c["d_dec"]
        self.d, self.n_mem = dd, c["n_mem"]
        self.register_buffer("mask", range_mask())
        self.queries = nn.Parameter(torch.randn(N_PARAMS, dd) * 0.02)
        self.to_mem = nn.Linear(L, c["n_mem"] * dd)
        self.direct = bool(c["dec_direct"])
        self.direct_w = nn.Parameter(torch.randn(N_PARAMS, L, dd) * (0.5 / math.sqrt(L)) * float(self.direct))
        self.layers = nn.ModuleList([DecoderLayer(dd, c["dec_heads"], c["dec_ff"], c["dec_self_attn"],
                                                  c["dropout"]) for _ in range(c["n_dec"])])
        self.ln = nn.LayerNorm(dd)
        self.out_w = nn.Parameter(torch.randn(N_PARAMS, MAX_CARD, dd) * (1.0 / math.sqrt(dd)))
        self.out_b = nn.Parameter(torch.zeros(N_PARAMS, MAX_CARD))

    def forward(self, z):
        B = z.shape[0]
        mem = self.to_mem(z).view(B, self.n_mem, self.d)
        x = self.queries[None].expand(B, -1, -1)
        for i, layer in enumerate(self.layers):
            # layer 0's queries do not depend on z (precomputed at export)
            x = layer.cross(x, layer.q(layer.ln_q(x)), mem)
            if i == 0 and self.direct:
                x = x + torch.einsum("bl,pld->bpd", z, self.direct_w)
            x = layer.rest(x)
        h = self.ln(x)
        logits = torch.bmm(h.transpose(0, 1), self.out_w.transpose(1, 2)).transpose(0, 1) + self.out_b
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
        enc = self.encoder
        mu, logvar, r1, r2, b = enc.posterior(enc.hidden(x))
        std = torch.exp(0.5 * logvar)
        z0 = mu + std * torch.randn_like(std) if sample else mu
        zk, ldj = enc.flow(z0, r1, r2, b)
        logits = self.decoder(zk)
        # single-sample KL estimate: log q0(z0) - log|det| - log p(zK)
        log_q0 = (-0.5 * (math.log(2 * math.pi) + logvar + ((z0 - mu) / std) ** 2)).sum(-1)
        log_p = (-0.5 * (math.log(2 * math.pi) + zk ** 2)).sum(-1)
        kl = log_q0 - ldj - log_p
        kl0_dim = 0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar)   # base Gaussian KL per dim
        return logits, kl, kl0_dim, zk

    def encode_mean(self, x):
        return self.encoder.encode_mean(x)

    def decode_logits(self, z):
        return self.decoder(z)


def n_params(m):
    return sum(p.numel() for p in m.parameters())
