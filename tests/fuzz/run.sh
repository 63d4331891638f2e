#!/bin/bash
# tests/fuzz/run.sh - replay the fuzz corpus, then fuzz the plan parser.
#
#   tests/fuzz/run.sh [SECONDS]        replay, then fuzz for SECONDS (default 60)
#   tests/fuzz/run.sh --replay-only    replay the corpus only
#
# Builds the target first in $FUZZ_BUILD_DIR (default build-fuzz at the
# repository root), configured with clang, ASan+UBSan and libFuzzer coverage
# on the library, unless $FUZZ_BIN names an already built fuzz_plan.
#
# Step 1 runs every file of tests/fuzz/corpus/plan once (-runs=0).
# Step 2 fuzzes with the corpus (plus, as extra seeds, examples/plans,
# tests/unit/plans and tests/cli/plans) and tests/fuzz/plan.dict; new inputs
# go to a temporary directory (the committed corpus is not changed). A crash, leak,
# UB report or timeout fails the script; the input is kept under
# tests/fuzz/artifacts/ and printed in hex and base64. To keep it as a
# regression, copy it into tests/fuzz/corpus/plan/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus="$here/corpus/plan"
dict="$here/plan.dict"
artifacts="$root/tests/fuzz/artifacts"

seconds=60
replay_only=0
case "${1:-}" in
  --replay-only) replay_only=1 ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  "") ;;
  *[!0-9]*) echo "run.sh: SECONDS must be a number, got '$1'" >&2; exit 2 ;;
  *) seconds=$1 ;;
esac

if [[ -n ${FUZZ_BIN:-} ]]; then
  bin=$FUZZ_BIN
else
  build_dir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
  if [[ -f $build_dir/build.ninja ]]; then
    # tests/fuzz/meson.build defines the target only for -Dfuzz=true with clang
    if ! grep -q '^build tests/fuzz/fuzz_plan:' "$build_dir/build.ninja"; then
      echo "run.sh: $build_dir has no fuzz_plan target (not a clang -Dfuzz=true build);" \
           "remove it or set FUZZ_BUILD_DIR" >&2
      exit 2
    fi
  else
    # werror off: -Werror is enforced by the gcc build (scripts/test.sh);
    # here a clang-only warning must not stop the fuzzing.
    CC=${FUZZ_CC:-clang} meson setup "$build_dir" "$root" \
      -Dbuildtype=debugoptimized -Dwerror=false \
      -Dfuzz=true -Dtests=true -Dbenchmarks=false \
      -Db_sanitize=address,undefined -Db_lundef=false \
      "-Dc_args=['-fsanitize=fuzzer-no-link','-fno-sanitize-recover=undefined']"
  fi
  meson compile -C "$build_dir" fuzz_plan
  bin="$build_dir/tests/fuzz/fuzz_plan"
fi
[[ -x $bin ]] || { echo "run.sh: no fuzz target at $bin" >&2; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# libFuzzer exits 77 by default on a crash, which meson would call a skip.
common=(-error_exitcode=3 -timeout_exitcode=4 -timeout=10 -rss_limit_mb=2048
        -malloc_limit_mb=1024)

show_artifacts() { # files newer than $1
  local f
  while IFS= read -r -d '' f; do
    echo "---- $f ($(stat -c %s "$f") bytes)"
    echo "hex:"
    od -An -tx1 -v "$f" | tr -d ' \n' | fold -w 128; echo
    echo "base64:"
    base64 -w 0 "$f"; echo
  done < <(find "$artifacts" -type f -newer "$1" -print0 2>/dev/null)
}

mapfile -t seeds < <(find "$corpus" -type f | sort)
if [[ ${#seeds[@]} -eq 0 ]]; then
  echo "run.sh: no seeds in $corpus" >&2
  exit 2
fi

echo "== fuzz: replaying ${#seeds[@]} corpus files"
if ! "$bin" "${common[@]}" -runs=0 "${seeds[@]}"; then
  # libFuzzer stops at the first failure: try each file alone to list them all
  failed=()
  for f in "${seeds[@]}"; do
    "$bin" "${common[@]}" -runs=0 "$f" >/dev/null 2>&1 || failed+=("$f")
  done
  echo "run.sh: FAIL: ${#failed[@]} corpus file(s) break the parser (first report above):"
  printf '  %s\n' "${failed[@]#"$root/"}"
  exit 1
fi
echo "== fuzz: corpus replay OK"
[[ $replay_only == 1 ]] && exit 0

mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/convoy-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
touch "$work/start"

# More seeds, read only: the example plans and the unit and CLI test plans.
extra=()
for d in examples/plans tests/unit/plans tests/cli/plans; do
  [[ -d $root/$d ]] && extra+=("$root/$d")
done

echo "== fuzz: fuzzing for ${seconds}s (new inputs in $work/corpus)"
set +e
"$bin" "${common[@]}" -dict="$dict" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$work/corpus" "$corpus" "${extra[@]}"
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
  echo "run.sh: FAIL: fuzz_plan exited $rc; crashing input(s):"
  show_artifacts "$work/start"
  echo "(keep a fixed crash as a regression: cp tests/fuzz/artifacts/crash-* tests/fuzz/corpus/plan/)"
  exit 1
fi
echo "== fuzz: no crash in ${seconds}s ($(find "$work/corpus" -type f | wc -l) new corpus inputs)"
