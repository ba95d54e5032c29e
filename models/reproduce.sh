#!/bin/sh
# Reproduces the shipped model from the corpus: trains (about 55 min on one core of
# the 2-core CPU machine), exports models/dxlatent-vae.pt + golden vectors, evaluates
# and redraws docs/training-curves.png and docs/latent-space.png.
# usage: sh models/reproduce.sh [path/to/collection.bin]   (run from the repository root)
set -e
DATA=${1:-../shared/data/collection.bin}
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
/usr/bin/python3 models/train.py --data "$DATA" --out models/runs/full --epochs 48 --threads 1
/usr/bin/python3 models/export.py --ckpt models/runs/full/best.pt --data "$DATA" --out models/dxlatent-vae.pt
/usr/bin/python3 models/eval.py --data "$DATA" --model models/dxlatent-vae.pt --ckpt models/runs/full/best.pt --figures docs
