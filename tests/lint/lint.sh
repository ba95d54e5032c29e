#!/usr/bin/env bash
# Structural lint, run by ctest (as jalv runs its lint as tests): the rules that
# keep the build fast and the cores pure. Prints every violation; exits 1 on any.
set -uo pipefail
cd "${1:?usage: lint.sh REPO_ROOT}"
fail=0
bad() { echo "lint: $*"; fail=1; }

# 1. LibTorch headers cost ~8-15 s a file to compile: one file may include them.
torch_files=$(grep -rlE '#include *[<"](torch|ATen|c10)/' src include bench tests 2>/dev/null | sort)
[ "$torch_files" = "src/model/torch_decoder.cpp" ] ||
  bad "LibTorch headers must stay in src/model/torch_decoder.cpp; found in: $(echo $torch_files)"

# 2. The pure cores (formats, control mapping, pacing, voice sync) use no
#    third-party library, so their tests need no server and no model.
pure=(src/voice src/sysex src/control src/util src/midi_out/pacer.cpp src/midi_out/voice_sync.cpp
      include/dxlatent/voice include/dxlatent/sysex include/dxlatent/control include/dxlatent/util
      include/dxlatent/midi include/dxlatent/midi_out/pacer.hpp include/dxlatent/midi_out/voice_sync.hpp)
hits=$(grep -rnE '#include *<(jack|torch|toml|spdlog|rtmidi|CLI|systemd|concurrentqueue|readerwriterqueue|xxhash)' "${pure[@]}" 2>/dev/null)
[ -z "$hits" ] || bad "third-party include in a pure core:"$'\n'"$hits"

# 3. The corpus stays in ../shared/data; no large blobs in the repository.
git ls-files | grep -q 'collection\.bin' && bad "collection.bin is tracked; read it from ../shared/data"
while IFS= read -r f; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  [ "$size" -le 10000000 ] || bad "$f is $size bytes (limit 10 MB, issue 11)"
done < <(git ls-files)

# 4. Layers: includes and library links point one way along the data path, and
#    docs/architecture.md names every folder and library (tests/lint/layers.py).
python3 tests/lint/layers.py . || fail=1

# 5. The JACK process thread's file never includes the engine or the model.
hits=$(grep -nE '#include *"dxlatent/(engine|model|control|midi_out)/' src/jack/*.cpp include/dxlatent/jack/*.hpp 2>/dev/null)
[ -z "$hits" ] || bad "the JACK edge must not depend on later stages:"$'\n'"$hits"

# 6. Scripts parse.
for s in scripts/*.sh .ci/run tests/lint/lint.sh tests/service/*.sh models/reproduce.sh; do
  [ -f "$s" ] && { bash -n "$s" || bad "$s does not parse"; }
done

[ $fail -eq 0 ] && echo "lint: ok"
exit $fail
