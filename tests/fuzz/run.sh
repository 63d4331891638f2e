#!/bin/bash
# tests/fuzz/run.sh - replay the fuzz corpora, then fuzz every target.
#
#   tests/fuzz/run.sh [SECONDS]        replay, then fuzz for SECONDS in all (default 60)
#   tests/fuzz/run.sh --replay-only    replay the corpora only
#   --target NAME                      only this target (repeatable): plan, judge, criteria,
#                                      rules, route, state, scenario
#
# Targets: fuzz_plan (the plan parser), fuzz_judge (the canary judge and the
# Mann-Whitney test), fuzz_criteria (Keptn criteria strings), fuzz_rules
# (routing-rule compilation, routers and renderers from a fuzzed `traffic`
# block), fuzz_route (routing fuzzed requests through a fixed plan),
# fuzz_state (saved rollout states: read, written back, resumed) and
# fuzz_scenario (simulator scenarios driving a short rollout). The fuzzing
# time is split evenly between the selected targets.
#
# Builds the targets first in $FUZZ_BUILD_DIR (default build-fuzz at the
# repository root), configured with clang, ASan+UBSan and libFuzzer coverage
# on the library, unless $FUZZ_BIN names an already built binary (then
# exactly one --target, plan when none is given).
#
# Step 1 runs every file of tests/fuzz/corpus/TARGET once (-runs=0), for
# every target. Step 2 fuzzes each target with its corpus (plan also takes,
# as extra seeds, examples/plans, tests/unit/plans and tests/cli/plans) and
# its dictionary tests/fuzz/TARGET.dict when there is one; new inputs go to
# a temporary directory (the committed corpora are not changed). A crash,
# leak, UB report or timeout fails the script; the input is kept under
# tests/fuzz/artifacts/ and printed in hex and base64. To keep it as a
# regression, copy it into tests/fuzz/corpus/TARGET/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
artifacts="$root/tests/fuzz/artifacts"
all_targets=(plan judge criteria rules route state scenario)

seconds=60
replay_only=0
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --replay-only) replay_only=1 ;;
    --target)
      [[ $# -ge 2 ]] || { echo "run.sh: --target needs a name" >&2; exit 2; }
      case " ${all_targets[*]} " in
        *" $2 "*) targets+=("$2") ;;
        *) echo "run.sh: unknown target '$2' (known: ${all_targets[*]})" >&2; exit 2 ;;
      esac
      shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *[!0-9]*|"") echo "run.sh: SECONDS must be a number, got '$1'" >&2; exit 2 ;;
    *) seconds=$1 ;;
  esac
  shift
done

declare -A bins
if [[ -n ${FUZZ_BIN:-} ]]; then
  [[ ${#targets[@]} -eq 0 ]] && targets=(plan)
  if [[ ${#targets[@]} -ne 1 ]]; then
    echo "run.sh: FUZZ_BIN names one binary: give exactly one --target" >&2
    exit 2
  fi
  bins[${targets[0]}]=$FUZZ_BIN
else
  [[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")
  build_dir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
  if [[ -f $build_dir/build.ninja ]]; then
    # tests/fuzz/meson.build defines the targets only for -Dfuzz=true with clang
    for t in "${targets[@]}"; do
      if ! grep -q "^build tests/fuzz/fuzz_$t:" "$build_dir/build.ninja"; then
        echo "run.sh: $build_dir has no fuzz_$t target (not a clang -Dfuzz=true build," \
             "or configured before fuzz_$t existed: meson setup --reconfigure $build_dir);" \
             "or set FUZZ_BUILD_DIR" >&2
        exit 2
      fi
    done
  else
    # werror off: -Werror is enforced by the gcc build (scripts/test.sh);
    # here a clang-only warning must not stop the fuzzing.
    CC=${FUZZ_CC:-clang} meson setup "$build_dir" "$root" \
      -Dbuildtype=debugoptimized -Dwerror=false \
      -Dfuzz=true -Dtests=true -Dbenchmarks=false \
      -Db_sanitize=address,undefined -Db_lundef=false \
      "-Dc_args=['-fsanitize=fuzzer-no-link','-fno-sanitize-recover=undefined']"
  fi
  meson compile -C "$build_dir" "${targets[@]/#/fuzz_}"
  for t in "${targets[@]}"; do
    bins[$t]="$build_dir/tests/fuzz/fuzz_$t"
  done
fi
for t in "${targets[@]}"; do
  [[ -x ${bins[$t]} ]] || { echo "run.sh: no fuzz target at ${bins[$t]}" >&2; exit 2; }
done

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

# Step 1: replay every selected target's corpus.
for t in "${targets[@]}"; do
  corpus="$here/corpus/$t"
  mapfile -t seeds < <(find "$corpus" -type f 2>/dev/null | sort)
  if [[ ${#seeds[@]} -eq 0 ]]; then
    echo "run.sh: no seeds in $corpus" >&2
    exit 2
  fi
  echo "== fuzz_$t: replaying ${#seeds[@]} corpus files"
  if ! "${bins[$t]}" "${common[@]}" -runs=0 "${seeds[@]}"; then
    # libFuzzer stops at the first failure: try each file alone to list them all
    failed=()
    for f in "${seeds[@]}"; do
      "${bins[$t]}" "${common[@]}" -runs=0 "$f" >/dev/null 2>&1 || failed+=("$f")
    done
    echo "run.sh: FAIL: ${#failed[@]} corpus file(s) break fuzz_$t (first report above):"
    printf '  %s\n' "${failed[@]#"$root/"}"
    exit 1
  fi
  echo "== fuzz_$t: corpus replay OK"
done
[[ $replay_only == 1 ]] && exit 0

# Step 2: fuzz each target for its share of the time.
share=$(( seconds / ${#targets[@]} ))
(( share < 1 )) && share=1
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/convoy-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
touch "$work/start"

for t in "${targets[@]}"; do
  mkdir "$work/$t"
  args=()
  [[ -f $here/$t.dict ]] && args+=("-dict=$here/$t.dict")
  # More seeds for the parser, read only: the example plans and the unit
  # and CLI test plans.
  extra=()
  if [[ $t == plan ]]; then
    for d in examples/plans tests/unit/plans tests/cli/plans; do
      [[ -d $root/$d ]] && extra+=("$root/$d")
    done
  fi
  echo "== fuzz_$t: fuzzing for ${share}s (new inputs in $work/$t)"
  set +e
  "${bins[$t]}" "${common[@]}" "${args[@]}" -max_total_time="$share" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work/$t" "$here/corpus/$t" "${extra[@]}"
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    echo "run.sh: FAIL: fuzz_$t exited $rc; crashing input(s):"
    show_artifacts "$work/start"
    echo "(keep a fixed crash as a regression: cp tests/fuzz/artifacts/crash-* tests/fuzz/corpus/$t/)"
    exit 1
  fi
  echo "== fuzz_$t: no crash in ${share}s ($(find "$work/$t" -type f | wc -l) new corpus inputs)"
done
