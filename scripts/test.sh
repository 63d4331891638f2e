#!/bin/bash
# scripts/test.sh - configure, build (warnings are errors) and run the test suite.
#
#   ./scripts/test.sh [MESON-TEST-ARGS...]     e.g. ./scripts/test.sh --suite abi
#
# Uses the build directory $BUILD_DIR (default build-test at the repository
# root): configured on the first run, reconfigured with the same options on
# later runs, so it can be run again and again. Extra meson setup options can
# be given in $MESON_SETUP_ARGS (e.g. "-Db_sanitize=address,undefined").
# The ABI checks must run here, so a skip of them is an error
# (CONVOY_ABI_REQUIRED=1, see tests/abi/README.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scripts/deps.sh test   # a no-op when everything is installed
build=${BUILD_DIR:-build-test}

opts=(
  -Dbuildtype=debugoptimized   # -O2 -g: abidw needs the DWARF
  -Ddefault_library=shared     # the ABI checks need libconvoy.so
  -Dwerror=true
  -Dtests=true
)
# shellcheck disable=SC2206 # word splitting of the extra options is intended
extra=(${MESON_SETUP_ARGS:-})

if [[ -f $build/build.ninja ]]; then
  meson setup --reconfigure "$build" "${opts[@]}" "${extra[@]}"
else
  if [[ -e $build ]]; then
    # a half-configured or foreign directory: start it afresh
    meson setup --wipe "$build" "${opts[@]}" "${extra[@]}" ||
      { rm -rf "$build"; meson setup "$build" "${opts[@]}" "${extra[@]}"; }
  else
    meson setup "$build" "${opts[@]}" "${extra[@]}"
  fi
fi
meson compile -C "$build"
CONVOY_ABI_REQUIRED=1 meson test -C "$build" --print-errorlogs "$@"
