"""DX7 corpus reader for dxlatent (issue 4).

Reads the packed 128-byte voices (VMEM, the per-voice block of a 32-voice bulk
dump) and unpacks them to the 155-byte VCED layout of ../shared/docs/dx7-sysex.md.
The model works on the first 145 bytes (everything but the 10 name characters).

Decisions (see models/README.md):
  * every packed field is masked to its bit width, then checked against its
    DX7 range; voices with ANY out-of-range value are DROPPED (not clamped):
    a value such as a rate of 197 is garbage from a damaged dump, and clamping
    it would invent a sound nobody programmed and bias the edges of the ranges.
  * duplicates are removed on the 145 sound parameters, names ignored
    (first occurrence in file order is kept).
  * a fixed seeded 80/10/10 train/validation/test split of the unique voices.
"""
import hashlib
import numpy as np

# ---- settings ---------------------------------------------------------------
SPLIT_SEED = 1234
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
N_PARAMS = 145          # sound parameters (VCED offsets 0..144)
VOICE_BYTES = 128       # packed voice
VCED_BYTES = 155        # unpacked voice incl. name
MAX_CARD = 100          # largest cardinality (0-99)
# -----------------------------------------------------------------------------

_OP_FIELDS = [  # (name, cardinality) for VCED offsets 0..20 of one operator
    ("EG rate 1", 100), ("EG rate 2", 100), ("EG rate 3", 100), ("EG rate 4", 100),
    ("EG level 1", 100), ("EG level 2", 100), ("EG level 3", 100), ("EG level 4", 100),
    ("break point", 100), ("left depth", 100), ("right depth", 100),
    ("left curve", 4), ("right curve", 4), ("rate scaling", 8),
    ("amp mod sens", 4), ("key vel sens", 8), ("output level", 100),
    ("osc mode", 2), ("freq coarse", 32), ("freq fine", 100), ("detune", 15),
]
_OP_GROUP = (["op EG"] * 8 + ["op scaling/sens"] * 8 + ["op freq/level"] * 5)
_GLOBAL_FIELDS = [  # VCED offsets 126..144
    ("pitch EG rate 1", 100), ("pitch EG rate 2", 100), ("pitch EG rate 3", 100),
    ("pitch EG rate 4", 100), ("pitch EG level 1", 100), ("pitch EG level 2", 100),
    ("pitch EG level 3", 100), ("pitch EG level 4", 100),
    ("algorithm", 32), ("feedback", 8), ("osc key sync", 2),
    ("LFO speed", 100), ("LFO delay", 100), ("LFO pitch mod depth", 100),
    ("LFO amp mod depth", 100), ("LFO key sync", 2), ("LFO wave", 6),
    ("pitch mod sens", 8), ("transpose", 49),
]
_GLOBAL_GROUP = ["pitch EG"] * 8 + ["global"] * 11

PARAM_NAMES = []
PARAM_CARDINALITY = []
PARAM_GROUP = []
for _op in range(6, 0, -1):  # operator 6 first
    for (_n, _c), _g in zip(_OP_FIELDS, _OP_GROUP):
        PARAM_NAMES.append(f"OP{_op} {_n}")
        PARAM_CARDINALITY.append(_c)
        PARAM_GROUP.append(_g)
for (_n, _c), _g in zip(_GLOBAL_FIELDS, _GLOBAL_GROUP):
    PARAM_NAMES.append(_n)
    PARAM_CARDINALITY.append(_c)
    PARAM_GROUP.append(_g)
assert len(PARAM_NAMES) == N_PARAMS
GROUPS = ["op EG", "op scaling/sens", "op freq/level", "pitch EG", "global"]
ALGORITHM_INDEX = PARAM_NAMES.index("algorithm")  # 134


def unpack(packed):
    """packed: uint8 [N,128] -> (vced int64 [N,155], valid bool [N], bad int [N]).

    Each packed field is masked to its bit width; `bad` counts the parameters
    outside their DX7 range (the reader reports them, it never accepts them)."""
    p = np.asarray(packed, dtype=np.int64).reshape(-1, VOICE_BYTES)
    n = p.shape[0]
    u = np.zeros((n, VCED_BYTES), dtype=np.int64)
    for i in range(6):
        s, d = 17 * i, 21 * i
        u[:, d:d + 11] = p[:, s:s + 11] & 0x7F               # rates, levels, bp, depths
        u[:, d + 11] = p[:, s + 11] & 0x03                    # left curve
        u[:, d + 12] = (p[:, s + 11] >> 2) & 0x03             # right curve
        u[:, d + 13] = p[:, s + 12] & 0x07                    # rate scaling
        u[:, d + 20] = (p[:, s + 12] >> 3) & 0x0F             # detune
        u[:, d + 14] = p[:, s + 13] & 0x03                    # amp mod sens
        u[:, d + 15] = (p[:, s + 13] >> 2) & 0x07             # key vel sens
        u[:, d + 16] = p[:, s + 14] & 0x7F                    # output level
        u[:, d + 17] = p[:, s + 15] & 0x01                    # osc mode
        u[:, d + 18] = (p[:, s + 15] >> 1) & 0x1F             # freq coarse
        u[:, d + 19] = p[:, s + 16] & 0x7F                    # freq fine
    u[:, 126:134] = p[:, 102:110] & 0x7F                      # pitch EG
    u[:, 134] = p[:, 110] & 0x1F                              # algorithm
    u[:, 135] = p[:, 111] & 0x07                              # feedback
    u[:, 136] = (p[:, 111] >> 3) & 0x01                       # osc key sync
    u[:, 137:141] = p[:, 112:116] & 0x7F                      # LFO speed..amd
    u[:, 141] = p[:, 116] & 0x01                              # LFO key sync
    u[:, 142] = (p[:, 116] >> 1) & 0x07                       # LFO wave
    u[:, 143] = (p[:, 116] >> 4) & 0x07                       # pitch mod sens
    u[:, 144] = p[:, 117] & 0x7F                              # transpose
    u[:, 145:155] = p[:, 118:128] & 0x7F                      # name
    card = np.array(PARAM_CARDINALITY, dtype=np.int64)
    bad = (u[:, :N_PARAMS] >= card[None, :]).sum(1)
    return u, bad == 0, bad


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_corpus(path, verbose=True):
    """-> dict(params int64 [U,145], names list[str], record int64 [U] (index in file),
    stats dict). Drops out-of-range voices, dedups on the 145 parameters."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % VOICE_BYTES:
        raise ValueError(f"{path}: size {raw.size} is not a multiple of {VOICE_BYTES}")
    packed = raw.reshape(-1, VOICE_BYTES)
    u, valid, bad = unpack(packed)
    idx_valid = np.nonzero(valid)[0]
    params = u[idx_valid, :N_PARAMS]
    _, first = np.unique(params, axis=0, return_index=True)
    keep = idx_valid[np.sort(first)]
    names = ["".join(chr(c) if 32 <= c < 127 else "?" for c in row) for row in u[keep, 145:]]
    stats = dict(records=int(len(packed)), valid=int(valid.sum()),
                 out_of_range=int((~valid).sum()), unique=int(len(keep)))
    if verbose:
        print(f"corpus {path}: {stats['records']} voices, {stats['out_of_range']} with "
              f"out-of-range values (dropped), {stats['valid']} valid, {stats['unique']} unique")
    return dict(params=u[keep, :N_PARAMS].copy(), names=names, record=keep, stats=stats)


def make_split(n, seed=SPLIT_SEED, fractions=SPLIT_FRACTIONS):
    """Fixed seeded split of range(n) -> dict(train, val, test) of index arrays."""
    perm = np.random.RandomState(seed).permutation(n)
    n_tr = int(round(fractions[0] * n))
    n_va = int(round(fractions[1] * n))
    return dict(train=np.sort(perm[:n_tr]), val=np.sort(perm[n_tr:n_tr + n_va]),
                test=np.sort(perm[n_tr + n_va:]))


if __name__ == "__main__":
    import sys
    c = load_corpus(sys.argv[1])
    s = make_split(len(c["params"]))
    print({k: len(v) for k, v in s.items()})
    tr = c["params"][s["train"]]
    te = c["params"][s["test"]]
    mode = np.array([np.bincount(tr[:, j], minlength=MAX_CARD).argmax() for j in range(N_PARAMS)])
    print("most-common-value baseline on test: %.2f%%" % (100 * (te == mode).mean()))
