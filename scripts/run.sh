#!/usr/bin/env bash
# The main job: packages, release build, then `dxlatent ARGS`. With no arguments
# it runs `dxlatent demo`: a private JACK server on the dummy backend (when none
# runs), the live engine driven by a scripted knob sweep, the SysEx that reaches
# the synth port recorded into demo.syx (load it into Dexed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
[ $# -gt 0 ] || set -- demo
exec ./build/release/bin/dxlatent "$@"
