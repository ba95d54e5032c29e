#!/bin/sh
# Reproduces the shipped model from the corpus: trains (200 epochs, about 25-35 min on
# one core of the 2-core CPU machine), exports models/dxlatent-vae.pt + golden vectors,
# evaluates it by its parameters and its sound (needs build/release/bin/dxlatent for
# `render --stats`) and redraws docs/training-curves.png and docs/knob-map.png.
# usage: sh models/reproduce.sh [path/to/collection.bin]   (run from the repository root)
set -e
DATA=${1:-../shared/data/collection.bin}
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
/usr/bin/python3 models/train.py --data "$DATA" --out models/runs/v3 --epochs 200 --threads 1 --no-progress
/usr/bin/python3 models/export.py --ckpt models/runs/v3/best.pt --data "$DATA" --out models/dxlatent-vae.pt
/usr/bin/python3 models/eval.py --data "$DATA" --model models/dxlatent-vae.pt --ckpt models/runs/v3/best.pt --figures docs
