#!/usr/bin/env bash
# Installs every Debian package dxlatent needs to build, test and run (Debian 12).
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config git ca-certificates
  jackd2 libjack-jackd2-dev        # the JACK server (tests, demo) and client library
  librtmidi-dev                    # hardware MIDI out (ALSA sequencer) and RtMidi's JACK API
  libtorch-dev                     # LibTorch: runs the TorchScript VAE decoder
  python3-torch python3-numpy python3-tqdm python3-matplotlib  # model training / evaluation
  libopenblas0-pthread             # fast BLAS for torch (netlib's reference BLAS is ~10x slower)
  libconcurrentqueue-dev libreaderwriterqueue-dev  # moodycamel lock-free queues
  libtoml11-dev                    # the TOML config
  libcli11-dev                     # command-line parsing
  libspdlog-dev                    # logging off the real-time path
  libxxhash-dev                    # corpus de-duplication hashes
  libsystemd-dev systemd           # sd_notify (Type=notify + watchdog), systemd-analyze verify
  libgtest-dev                     # the test suite
  clang libclang-rt-14-dev         # libFuzzer target for the SysEx parser
  hexter                           # DX7 emulator (DSSI plugin) that `dxlatent render` loads at run time
  dssi-dev ladspa-sdk libasound2-dev  # plugin API headers (<dssi.h> includes <alsa/seq_event.h>; no ALSA at run time)
  libfftw3-dev                     # FFTs for the audio statistics (spectral centroid)
  libsndfile1-dev                  # WAV files (render, demo.wav)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
