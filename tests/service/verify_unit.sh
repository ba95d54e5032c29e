#!/bin/sh
# systemd-analyze verify on a copy of systemd/dxlatent.service whose ExecStart
# names the binary of this build. Exit 77 (ctest: skipped) without systemd-analyze.
unit="$1"
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIPPED: systemd-analyze is not installed"
  exit 77
fi
out=$(systemd-analyze verify "$unit" 2>&1)
rc=$?
echo "$out"
# verify returns 0 for some problems it only warns about: any line about our
# unit (other units it pulls in may warn about themselves) is a failure too.
name=$(basename "$unit")
if [ $rc -ne 0 ] || echo "$out" | grep -F "$name" >/dev/null; then
  echo "FAILED: systemd-analyze verify $unit (rc=$rc)"
  exit 1
fi
echo "OK: systemd-analyze verify accepts $name"
