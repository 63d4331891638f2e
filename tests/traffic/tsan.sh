#!/bin/bash
# tsan.sh - the ThreadSanitizer run of the router slot (meson test
# "slot_tsan" of the traffic suite).
#
#   tests/traffic/tsan.sh SOURCE_ROOT TSAN_BUILD_DIR
#
# TSan cannot share a build with ASan, and the library itself must be built
# with -fsanitize=thread for TSan to see the slot's atomics, so this
# configures a separate build of SOURCE_ROOT in TSAN_BUILD_DIR
# (-Db_sanitize=thread; kept and updated incrementally on later runs),
# builds libconvoy and tests/traffic/tsan_slot there, and then:
#   1. checks that TSan is live: `tsan_slot --race-selftest` adds a
#      deliberate data race, which TSan must report (exit status 66);
#   2. runs `tsan_slot --require-tsan`: 4 readers routing through one slot
#      while a writer publishes 10,000 snapshots, with
#      TSAN_OPTIONS=halt_on_error=1 exitcode=66, so any report fails.
# The compiler is $CC when set, else meson's default (gcc needs libtsan,
# clang needs libclang-rt-14-dev). Exit status 0 only when both parts pass.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 SOURCE_ROOT TSAN_BUILD_DIR" >&2
  exit 2
fi
src=$1
build=$2
t_start=$SECONDS

# The caller's sanitizer settings are for its own (ASan) build.
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS MSAN_OPTIONS
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"

opts=(
  -Db_sanitize=thread
  -Db_lundef=false
  -Dbuildtype=debugoptimized
  -Dwerror=true
  -Dtests=true
  -Dbenchmarks=false
  -Dfuzz=false
)

if [[ -f $build/build.ninja ]]; then
  : # configured: `meson compile` reconfigures by itself when meson files change
elif [[ -e $build ]]; then
  meson setup --wipe "$build" "$src" "${opts[@]}"
else
  meson setup "$build" "$src" "${opts[@]}"
fi
sanitize=$(meson introspect --buildoptions "$build" |
  /usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="b_sanitize"][0])')
if [[ $sanitize != thread ]]; then
  echo "tsan.sh: $build is configured with b_sanitize=$sanitize, not thread" >&2
  exit 1
fi
meson compile -C "$build" tests/traffic/tsan_slot
exe=$build/tests/traffic/tsan_slot
t_built=$SECONDS
echo "tsan.sh: configured and built in $((t_built - t_start)) s"

# Runs the program, writing its output to $log; under a high-entropy ASLR
# layout some TSan runtimes refuse to start ("unexpected memory mapping"):
# then it is run again with address randomisation off for it.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
  local rc=0
  "$exe" "$@" >"$log" 2>&1 || rc=$?
  if grep -q "unexpected memory mapping" "$log"; then
    echo "tsan.sh: TSan cannot map its shadow memory under this ASLR layout; running under setarch -R"
    rc=0
    setarch "$(uname -m)" -R "$exe" "$@" >"$log" 2>&1 || rc=$?
  fi
  return "$rc"
}

# 1. TSan must catch a real race.
rc=0
run --race-selftest --publishes 200 || rc=$?
if [[ $rc -ne 66 ]] || ! grep -q "WARNING: ThreadSanitizer: data race" "$log"; then
  cat "$log"
  echo "tsan.sh: FAILED: the deliberate race was not reported (exit $rc, expected 66): TSan is not live" >&2
  exit 1
fi
t_canary=$SECONDS
echo "tsan.sh: TSan is live: the deliberate race was reported ($((t_canary - t_built)) s)"

# 2. The real run: no report allowed.
rc=0
run --require-tsan || rc=$?
cat "$log"
t_end=$SECONDS
if [[ $rc -ne 0 ]]; then
  if [[ $rc -eq 66 ]]; then
    echo "tsan.sh: FAILED: ThreadSanitizer reported a problem (see above)" >&2
  else
    echo "tsan.sh: FAILED: tsan_slot exited with $rc" >&2
  fi
  exit 1
fi
echo "tsan.sh: passed: run $((t_end - t_canary)) s, total $((t_end - t_start)) s"
