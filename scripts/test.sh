#!/usr/bin/env bash
# The test command: packages, release build, then every test through ctest
# (GoogleTest units, real jackd on the dummy backend, the shipped model, a tiny
# training run). Tests that need ../shared/data skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# One BLAS thread and one torch thread: the decoder is measured and used that way,
# and two-core CI machines oversubscribe otherwise.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
ctest --preset release -j"$(nproc)" "$@"
