#!/usr/bin/env bash
# Every benchmark of the closing note, in one command. Builds the release preset
# first. RUNS=N repeats each benchmark N times (default 3).
#   1. decode latency: C++ TorchDecoder vs the same model in Python vs the seed's
#      architecture (p50/p99/max of 10,000 single decodes, batch throughput);
#   2. JACK process-callback time per 64-frame period under a CC storm;
#   3. CC-in -> SysEx-out latency through a dummy JACK server (48 kHz, 64 frames).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
bin=build/release/bin
runs=${RUNS:-3}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$runs"); do
  echo; echo "=== run $i/$runs: decode ==="
  /usr/bin/python3 bench/decode_bench.py --cpp "$bin/decode_bench"
  echo; echo "=== run $i/$runs: process callback ==="
  "$bin/callback_bench" --seconds 10
  echo; echo "=== run $i/$runs: CC -> SysEx latency ==="
  "$bin/latency_bench" --moves 5000
done
