#!/usr/bin/env python3
"""Layering lint (run by tests/lint/lint.sh): the folders of src/ and
include/dxlatent/ follow the data path, and every dependency points one way.

  util, voice+sysex (formats), render, midi -> jack -> monitor -> control
  -> model -> midi_out -> engine -> rig -> app   (docs/architecture.md draws it)

Checks: (1) every #include "dxlatent/<folder>/..." in a folder is allowed by
ALLOWED; (2) every dxlatent_* library linked in src/<folder>/CMakeLists.txt
belongs to an allowed folder; (3) docs/architecture.md names every folder of
src/ and every library. Prints each violation; exits 1 on any."""
import os
import re
import sys

# folder -> the folders it may include / link (itself always allowed).
ALLOWED = {
    "util": set(),
    "midi": set(),
    "voice": {"util"},                   # + sysex for voice_file only: see EXCEPTIONS
    "sysex": {"voice", "util"},
    "render": {"voice", "sysex", "util"},   # offline: voices -> audio (hexter), its analysis
    "jack": {"midi"},
    # the built-in audio monitor: hexter (render) played in the JACK client
    "monitor": {"render", "jack", "midi", "voice", "sysex", "util"},
    "control": {"midi"},
    "model": {"control", "voice", "sysex", "util", "midi"},
    "midi_out": {"midi", "jack", "monitor", "voice", "sysex", "util"},
    "engine": {"midi", "jack", "control", "model", "midi_out", "voice", "sysex", "util"},
    "rig": {"midi"},
    "app": None,                         # on top: anything
}
# (file, included folder): the one known cycle left, voice_file reads .syx
# through the SysEx parser; both are one library (dxlatent_formats).
EXCEPTIONS = {
    ("src/voice/voice_file.cpp", "sysex"),
}
# Library -> the folder it belongs to.
LIBRARIES = {
    "dxlatent_util": "util", "dxlatent_formats": "voice", "dxlatent_midi": "midi",
    "dxlatent_jack": "jack", "dxlatent_control": "control", "dxlatent_model_core": "model",
    "dxlatent_model": "model", "dxlatent_midi_out": "midi_out", "dxlatent_rtmidi": "midi_out",
    "dxlatent_audio": "render", "dxlatent_render": "render", "dxlatent_monitor": "monitor",
    "dxlatent_engine": "engine", "dxlatent_service": "engine", "dxlatent_rig": "rig",
}
SAME_LIBRARY = {("voice", "sysex"), ("sysex", "voice")}  # dxlatent_formats spans both

root = sys.argv[1] if len(sys.argv) > 1 else "."
os.chdir(root)
bad = []


def allowed(folder, dep):
    if dep == folder or ALLOWED.get(folder) is None:
        return True
    return dep in ALLOWED[folder]


# 1. includes
for base in ("src", "include/dxlatent"):
    for folder in sorted(os.listdir(base)):
        path = os.path.join(base, folder)
        if not os.path.isdir(path):
            continue
        if folder not in ALLOWED:
            bad.append(f"{path}: a folder the layering does not know; add it to tests/lint/layers.py "
                       "and docs/architecture.md")
            continue
        for dirpath, _, files in os.walk(path):
            for name in files:
                if not name.endswith((".cpp", ".hpp", ".h")):
                    continue
                f = os.path.join(dirpath, name)
                with open(f, encoding="utf-8", errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        m = re.match(r'\s*#\s*include\s+"dxlatent/([a-z_]+)/', line)
                        if not m:
                            continue
                        dep = m.group(1)
                        if not allowed(folder, dep) and (f, dep) not in EXCEPTIONS:
                            bad.append(f"{f}:{n}: {folder}/ must not include {dep}/ (dependencies follow "
                                       "the data path: docs/architecture.md)")

# 2. library links
for folder in sorted(os.listdir("src")):
    cm = os.path.join("src", folder, "CMakeLists.txt")
    if not os.path.isfile(cm):
        continue
    text = open(cm, encoding="utf-8").read()
    for m in re.finditer(r"target_link_libraries\(\s*(\S+)([^)]*)\)", text, re.S):
        target, deps = m.group(1), m.group(2)
        if target in LIBRARIES and LIBRARIES[target] != folder:
            bad.append(f"{cm}: links {target}, a library of src/{LIBRARIES[target]}/")
        for dep in re.findall(r"\b(dxlatent_[a-z_]+)\b", deps):
            if dep not in LIBRARIES:
                continue
            dep_folder = LIBRARIES[dep]
            if not allowed(folder, dep_folder) and (folder, dep_folder) not in SAME_LIBRARY:
                bad.append(f"{cm}: {target} must not link {dep} (src/{dep_folder}/): dependencies follow the data path")
    for m in re.finditer(r"dxlatent_library\((dxlatent_[a-z_]+)", text):
        if LIBRARIES.get(m.group(1)) != folder:
            bad.append(f"{cm}: defines {m.group(1)}, which tests/lint/layers.py does not place in src/{folder}/")

# 3. the architecture page names every folder and library
doc = open("docs/architecture.md", encoding="utf-8").read() if os.path.exists("docs/architecture.md") else ""
if not doc:
    bad.append("docs/architecture.md is missing")
for folder in sorted(os.listdir("src")):
    if os.path.isdir(os.path.join("src", folder)) and f"src/{folder}/" not in doc:
        bad.append(f"docs/architecture.md does not mention src/{folder}/")
for lib in LIBRARIES:
    if lib not in doc:
        bad.append(f"docs/architecture.md does not mention {lib}")

for b in bad:
    print("lint:", b)
sys.exit(1 if bad else 0)
