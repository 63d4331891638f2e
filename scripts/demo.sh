#!/usr/bin/env bash
# Quick start: install what the build needs, build, and run Convoy's main job
# on the sample shop: a coordinated rollout of five dependent services, in
# which the payments candidate's error rate climbs after 50 minutes. Convoy
# rolls back checkout and then payments (dependents first), keeps ledger and
# inventory promoted and never touches frontend. The simulation runs on a
# simulated clock: the hour of rollout takes about a second.
#
# Exits 0 when the simulation did exactly that (convoy simulate's own exit
# status is then 2, "rolled back": the outcome this demo expects), 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build
if [ ! -d build-demo ]; then
  meson setup build-demo -Dtests=false -Dbenchmarks=false >/dev/null
fi
ninja -C build-demo >/dev/null

convoy=build-demo/examples/cli/convoy
plan=examples/plans/shop.json
scenario=examples/scenarios/payments-degrades.json
svg=build-demo/shop-rollback.svg
state=build-demo/shop-rollback.state
log=build-demo/shop-rollback.jsonl

echo "\$ convoy validate $plan"
"$convoy" validate "$plan"
echo
echo "\$ convoy simulate $plan --scenario $scenario --svg $svg --state $state --log $log"
rc=0
"$convoy" simulate "$plan" --scenario "$scenario" --svg "$svg" --state "$state" --log "$log" || rc=$?
echo

# The saved state of the finished run gives its report again, as JSON, at once.
report=$("$convoy" simulate "$plan" --scenario "$scenario" --state "$state" --resume --json || true)
expected_order='"rollback_order": ["checkout", "payments"]'
if [ "$rc" -eq 2 ] && [[ $report == *'"outcome": "rolled_back"'* ]] &&
   [[ $report == *"$expected_order"* ]] &&
   [[ $report == *'"frontend": {"state": "untouched", "weight": 0}'* ]]; then
  echo "demo: convoy simulate exited 2 (rolled back), as expected: payments failed its"
  echo "      error-rate gate, and Convoy rolled back checkout, then payments."
  echo "demo: the decision log is $log (one JSON line per decision and action);"
  echo "      the timeline is $svg (open it in a browser)."
  exit 0
fi
echo "demo: unexpected result: convoy simulate exited $rc (expected 2, rolled back" >&2
echo "      checkout then payments); report: $report" >&2
exit 1
