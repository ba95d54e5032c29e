#!/bin/sh
# Candidate comparison for the model card (issue 11): every candidate trained on the
# same split with the same budget (EPOCHS epochs, one thread), exported, and evaluated
# with `eval.py --quick` (parameters, sound through hexter, decode time).
# usage: sh models/compare.sh [path/to/collection.bin] [EPOCHS]   (from the repository root;
#        needs build/release/bin/dxlatent for the audio figures)
# Writes models/runs/cand-NAME/{best.pt,model.pt,eval.json,eval.txt}; prints one table row each.
set -e
DATA=${1:-../shared/data/collection.bin}
EPOCHS=${2:-30}
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
PY=/usr/bin/python3
run() {  # NAME TRAIN-ARGS...   (READOUT=argmax|median, default median; CKPT_FROM=another candidate's run)
  name=$1; shift
  out=models/runs/cand-$name
  ckpt=models/runs/cand-${CKPT_FROM:-$name}/best.pt
  if [ ! -f $ckpt ]; then
    $PY models/train.py --data "$DATA" --out $out --epochs $EPOCHS --threads 1 --no-progress "$@" > $out.log 2>&1
  fi
  mkdir -p $out
  $PY models/export.py --ckpt $ckpt --data "$DATA" --out $out/model.pt --readout ${READOUT:-median} --no-timing > /dev/null
  $PY models/eval.py --data "$DATA" --model $out/model.pt --ckpt $ckpt --quick --json $out/eval.json > $out/eval.txt
}
mkdir -p models/runs
NOCOND='{"cond_algorithm": false}'
run gen2        --cfg "$NOCOND"
READOUT=argmax CKPT_FROM=gen2 run gen2-argmax
run plain-ce    --cfg "$NOCOND" --lambda-ord 0 --no-timbre-weights
run beta0.1     --cfg "$NOCOND" --beta 0.1
run dropout0.2  --cfg '{"cond_algorithm": false, "dropout": 0.2}'
run wide        --cfg '{"cond_algorithm": false, "dec_hidden": [512, 1024], "d_out": 24}'
run condalg     --cfg '{"cond_algorithm": true}'
$PY - <<'PY'
import json, glob, os
print("| candidate | params test acc | +-3 voices | prior silent / centroid vs corpus | knobs silent / centroid vs corpus / level | recon centroid oct / level dB | decode p50/p99 ms (Python) | MB | train s |")
print("|---|---|---|---|---|---|---|---|---|")
for f in sorted(glob.glob("models/runs/cand-*/eval.json")):
    e = json.load(open(f)); a = e.get("audio", {})
    ref = a["corpus (unique, in range)"]; pr = a["prior N(0, I)"]; kn = a["random knob positions"]
    import torch
    d = os.path.dirname(f)
    src = d if os.path.exists(os.path.join(d, "best.pt")) else d.replace("-argmax", "")
    ck = torch.load(os.path.join(src, "best.pt"), map_location="cpu")
    print(f"| {os.path.basename(os.path.dirname(f))[5:]} | {100*e['acc_test']:.2f}% | {100*e['near_voices_test']:.1f}% | "
          f"{100*pr['silent']:.1f}% / {pr['centroid_med']/ref['centroid_med']:.2f}x | "
          f"{100*kn['silent']:.1f}% / {kn['centroid_med']/ref['centroid_med']:.2f}x / {kn['level_med']-ref['level_med']:+.1f} dB | "
          f"{e['recon_centroid_oct_median']:.2f} / {e['recon_level_diff_db_median']:.1f} | "
          f"{e['decode_p50_ms']:.3f} / {e['decode_p99_ms']:.3f} | {e['model_mb']:.1f} | {ck['train_seconds']:.0f} |")
PY
