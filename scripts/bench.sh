#!/usr/bin/env bash
# Every benchmark of the closing note, in one command. Builds the release preset
# first. RUNS=N repeats each benchmark N times (default 3).
#   1. decode latency: C++ TorchDecoder vs the same model in Python vs the seed's
#      architecture (p50/p99/max of 10,000 single decodes, batch throughput);
#   2. JACK process-callback time per 64-frame period under a CC storm;
#   3. CC-in -> SysEx-out latency through a dummy JACK server (48 kHz, 64 frames),
#      non-realtime and realtime jackd, and a new user's first ten moves;
#   4. steering: parameters changed per knob step around an exact anchor, and
#      algorithm changes per random step free and locked (bench/steer_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
# (after this line nproc would say 1: GNU nproc honours OMP_NUM_THREADS)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
bin=build/release/bin
runs=${RUNS:-3}
# A benchmark that reports a problem (e.g. latency_bench: a move lost to an xrun)
# exits non-zero; the others still run, and the script's status says so.
status=0
for i in $(seq 1 "$runs"); do
  echo; echo "=== run $i/$runs: decode ==="
  /usr/bin/python3 bench/decode_bench.py --cpp "$bin/decode_bench" || status=1
  echo; echo "=== run $i/$runs: process callback ==="
  "$bin/callback_bench" --seconds 10 || status=1
  echo; echo "=== run $i/$runs: CC -> SysEx latency ==="
  "$bin/latency_bench" --moves 5000 || status=1
  echo; echo "=== run $i/$runs: CC -> SysEx latency, realtime jackd, engine threads at SCHED_FIFO 5 ==="
  "$bin/latency_bench" --moves 5000 --realtime --priority 5 || status=1
  echo; echo "=== run $i/$runs: a new user's first moves (fresh state, learning, 20 ms apart), realtime jackd ==="
  "$bin/latency_bench" --first-moves --realtime --priority 5 || status=1
  echo; echo "=== run $i/$runs: a new user's first moves, no realtime ==="
  "$bin/latency_bench" --first-moves || status=1
done
# 4. steering (issue 12): the exact anchor and the algorithm lock, with the shipped
#    model (deterministic for a seed: run once). Needs the corpus.
corpus=${CORPUS:-../shared/data/collection.bin}
if [ -f "$corpus" ]; then
  echo; echo "=== steering: exact anchor, algorithm lock ==="
  "$bin/steer_bench" --corpus "$corpus" || status=1
else
  echo; echo "=== steering: skipped, no corpus at $corpus (CORPUS=...) ==="
fi
exit $status
