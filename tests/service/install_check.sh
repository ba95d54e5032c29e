#!/bin/sh
# `cmake --install` into a scratch DESTDIR puts the program, the unit (with
# ExecStart naming the installed program), the sysusers.d file and the config
# where docs/service.md says, and a second install keeps an edited config.
set -u
build="$1"
prefix="$2"   # CMAKE_INSTALL_PREFIX (the unit is configured for it)
bin="$3"      # CMAKE_INSTALL_BINDIR
dest=$(mktemp -d /tmp/dxlatent-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
DESTDIR="$dest" cmake --install "$build" >"$dest.log" 2>&1 || { cat "$dest.log"; fail "cmake --install"; }
for f in "$prefix/$bin/dxlatent" "$prefix/lib/systemd/system/dxlatent.service" \
         "$prefix/lib/sysusers.d/dxlatent.conf" /etc/dxlatent/dxlatent.toml; do
  [ -f "$dest/$f" ] || fail "not installed: /$f"
done
unit="$dest/$prefix/lib/systemd/system/dxlatent.service"
grep -q "^ExecStart=$prefix/$bin/dxlatent run --config \${DXLATENT_CONFIG}\$" "$unit" \
  || fail "ExecStart does not name $prefix/$bin/dxlatent"
grep -q '^Environment=DXLATENT_CONFIG=/etc/dxlatent/dxlatent.toml$' "$unit" \
  || fail "the unit does not read /etc/dxlatent/dxlatent.toml"
"$dest/$prefix/$bin/dxlatent" --version >/dev/null || fail "the installed program does not run"
echo "# edited by the user" >> "$dest/etc/dxlatent/dxlatent.toml"
DESTDIR="$dest" cmake --install "$build" >"$dest.log" 2>&1 || fail "second cmake --install"
rm -f "$dest.log"
grep -q "edited by the user" "$dest/etc/dxlatent/dxlatent.toml" || fail "a reinstall overwrote the edited config"
[ -f "$dest/etc/dxlatent/dxlatent.toml.example" ] || fail "no dxlatent.toml.example next to the kept config"
echo "OK: cmake --install layout as documented"
