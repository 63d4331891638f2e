#!/bin/bash
# tests/fuzz/state-seeds.sh CONVOY OUTDIR - saved rollout states for fuzz_state's corpus.
#
# Runs `CONVOY simulate PLAN --scenario S --state FILE` for the plans fuzz_state
# reads (examples/plans/shop.json with examples/scenarios/*.json and the valid
# tests/cli/scenarios; tests/fuzz/plans/fleet.json with
# tests/fuzz/plans/fleet-*.scenario.json), killed at several points
# (CONVOY_SIMULATE_KILL_AFTER=N: SIGKILL after the N-th callback) and to the
# end, and copies each state file left behind into OUTDIR as
# PLAN-SCENARIO-kN.json. A scenario the library rejects (e.g. a key it does
# not know yet) is skipped. Then minimise with the fuzzer:
#   build-fuzz/tests/fuzz/fuzz_state -merge=1 tests/fuzz/corpus/state OUTDIR
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 CONVOY OUTDIR" >&2; exit 2; }
convoy=$(realpath "$1")
out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/convoy-state-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT

kills=(1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597 0)

seed() { # PLAN SCENARIO-or-empty NAME
  local plan=$1 scen=$2 name=$3 k args=()
  [[ -n $scen ]] && args=(--scenario "$scen")
  for k in "${kills[@]}"; do
    rm -f "$work/state.json"
    if [[ $k == 0 ]]; then
      "$convoy" simulate "$plan" "${args[@]}" --state "$work/state.json" >/dev/null 2>&1 || true
    else
      (CONVOY_SIMULATE_KILL_AFTER=$k "$convoy" simulate "$plan" "${args[@]}" \
        --state "$work/state.json" >/dev/null 2>&1; exit 0) 2>/dev/null || true
    fi
    [[ -s $work/state.json ]] && cp "$work/state.json" "$out/$name-k$k.json"
  done
  return 0
}

shop=$root/examples/plans/shop.json
seed "$shop" "" shop-healthy
for s in "$root"/examples/scenarios/*.json "$root"/tests/cli/scenarios/{crash,deploy-flaky,revert-fails}.json; do
  seed "$shop" "$s" "shop-$(basename "$s" .json)"
done
fleet=$here/plans/fleet.json
seed "$fleet" "" fleet-healthy
for s in "$here"/plans/fleet-*.scenario.json; do
  seed "$fleet" "$s" "$(basename "$s" .scenario.json)"
done
ls "$out" | wc -l
