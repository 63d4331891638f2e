#!/bin/bash
# abi-diff: compare the built libconvoy.so with the committed ABI baseline.
#
#   tests/abi/abi-diff.sh LIBRARY            check (what `meson test abi-diff` runs)
#   tests/abi/abi-diff.sh --update LIBRARY   rewrite tests/abi/libconvoy.abi
#
# LIBRARY is the built shared library (e.g. build-abi/lib/libconvoy.so.1), or
# the word "static" when the build has none: then the check is skipped with
# exit 77 (meson's skip code) unless CONVOY_ABI_REQUIRED=1, which .ci/run sets.
#
# The check fails on ANY non-zero abidiff exit status: an incompatible change
# (8), a compatible change such as an added function (4), a usage or tool
# error (1, 2). Updating the baseline is a deliberate act that goes with a
# CHANGELOG.md line; see tests/abi/README.md.
#
# The library must carry DWARF (-g; meson's default debugoptimized has it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcroot=$(cd "$here/../.." && pwd)
baseline="$here/libconvoy.abi"
headers="$srcroot/include/convoy"

# One set of flags for writing the baseline and for reading the fresh build:
# only types reachable from the public headers; no absolute paths, source
# locations, DT_NEEDED list or sequence-numbered type ids, so the file is the
# same for any checkout path, build directory, machine and rebuild.
abidw_flags=(
  --headers-dir "$headers"
  --drop-private-types
  --drop-undefined-syms
  --no-corpus-path
  --no-comp-dir-path
  --no-show-locs
  --no-elf-needed
  --type-id-style hash
)
abidiff_flags=(
  --headers-dir2 "$headers"
  --drop-private-types
  --no-default-suppression
  --fail-no-debug-info
  --no-show-locs
  --no-corpus-path
)

# abidw writes each translation unit's path as the compiler saw it, relative
# to the build directory (../../src/lib/core/alloc.c): cut it down to the
# part below the source root so the dump does not depend on where the
# checkout and the build directory are. abidiff does not compare these paths.
dump() { # dump LIB OUT
  abidw "${abidw_flags[@]}" "$1" |
    sed -E "s#(<abi-instr [^>]*path=')[^']*/((lib|include)/[^']*)'#\1\2'#" >"$2.tmp"
  mv "$2.tmp" "$2"
}

update=0
if [[ ${1:-} == --update ]]; then
  update=1
  shift
fi
if [[ $# -ne 1 ]]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
fi
lib=$1

skip() {
  if [[ ${CONVOY_ABI_REQUIRED:-0} == 1 ]]; then
    echo "abi-diff: FAIL: $1, and CONVOY_ABI_REQUIRED=1 forbids skipping"
    exit 1
  fi
  echo "abi-diff: SKIP: $1; the ABI check needs libconvoy.so" \
       "(configure with -Ddefault_library=shared or both)"
  exit 77
}
[[ $lib == static ]] && skip "the build has no shared library (default_library=static)"
[[ -e $lib ]] || skip "$lib does not exist"
lib=$(realpath "$lib")

for tool in abidw abidiff readelf; do
  command -v "$tool" >/dev/null ||
    { echo "abi-diff: FAIL: $tool not found (apt-get install abigail-tools binutils)"; exit 1; }
done
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
  echo "abi-diff: FAIL: $lib has no DWARF (.debug_info); build it with -g" \
       "(buildtype debug or debugoptimized)"
  exit 1
fi

if [[ $update == 1 ]]; then
  dump "$lib" "$baseline"
  echo "abi-diff: wrote $baseline from $lib"
  echo "abi-diff: functions in baseline: $(grep -c '<function-decl ' "$baseline" || true)"
  echo "abi-diff: now add a CHANGELOG.md line saying what changed in the ABI and why"
  exit 0
fi

if [[ ! -f $baseline ]]; then
  echo "abi-diff: FAIL: no baseline $baseline"
  echo "  generate it (deliberately; see tests/abi/README.md):"
  echo "  tests/abi/abi-diff.sh --update $lib"
  exit 1
fi

# The fresh dump, for a look with `diff` (informational; the verdict is abidiff's).
fresh="$(dirname "$lib")/libconvoy.abi.fresh"
dump "$lib" "$fresh" || true

echo "abi-diff: abidiff $baseline $lib"
set +e
abidiff "${abidiff_flags[@]}" "$baseline" "$lib"
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
  what=()
  (( rc & 1 )) && what+=("abidiff error")
  (( rc & 2 )) && what+=("usage error")
  (( rc & 4 )) && what+=("ABI change")
  (( rc & 8 )) && what+=("INCOMPATIBLE ABI change")
  echo "abi-diff: FAIL: abidiff exit status $rc (${what[*]:-unknown})"
  echo "  The library's ABI differs from tests/abi/libconvoy.abi."
  echo "  If the change is intended, regenerate the baseline and say so in CHANGELOG.md:"
  echo "    tests/abi/abi-diff.sh --update $lib"
  echo "  Fresh dump for comparison: $fresh"
  exit 1
fi
if [[ -f $fresh ]] && ! cmp -s "$baseline" "$fresh"; then
  echo "abi-diff: note: the abidw dump differs textually from the baseline, but abidiff" \
       "sees no ABI change (diff $baseline $fresh)"
fi
echo "abi-diff: OK: no ABI change against the baseline"
