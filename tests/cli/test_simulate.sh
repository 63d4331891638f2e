#!/usr/bin/env bash
# End-to-end tests of `convoy simulate`: outcomes and exit codes, progress,
# the --json report, the decision log, --svg, scenario errors, --state /
# --resume, and crash-resume: the run is killed with SIGKILL at 50 points
# (CONVOY_SIMULATE_KILL_AFTER) and resumed, and the final report and the
# whole decision log must be byte-identical to an uninterrupted run's.
# Then --history: relative criteria against an earlier release, broken and
# unusable history files, and crash-resume with a history.
#
# usage: test_simulate.sh CONVOY [SOURCE_ROOT]
#   CONVOY       the built program (e.g. build/examples/cli/convoy)
#   SOURCE_ROOT  the source tree (examples/plans, examples/scenarios and
#                tests/cli/scenarios are read from it); default: found from here
#
# Prints "ok - ..." / "not ok - ..." per assertion and a final
# "N passed, M failed" line; exits non-zero when any assertion failed.

set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 CONVOY [SOURCE_ROOT]" >&2
    exit 2
fi
HERE=$(dirname -- "$(realpath -- "$0")")
CONVOY=$(realpath -- "$1")
ROOT=$(realpath -- "${2:-$HERE/../..}")
SCEN=$ROOT/tests/cli/scenarios
PY=/usr/bin/python3

if [ ! -x "$CONVOY" ]; then
    echo "test_simulate.sh: $CONVOY is not an executable" >&2
    exit 2
fi

TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT
cd -- "$TMP" || exit 2
cp -- "$ROOT/examples/plans/shop.json" shop.json || exit 2
cp -- "$ROOT/examples/scenarios/payments-degrades.json" degrade.json || exit 2
SHOP=$TMP/shop.json
DEGRADE=$TMP/degrade.json

# shellcheck source=harness.sh
. "$HERE/harness.sh"

# Progress lines go to a terminal only when the test wants one.
export TERM=dumb
unset CONVOY_SIMULATE_KILL_AFTER NO_COLOR

# run_env VAR=VALUE... -- ARGS... : as run, with variables in the environment.
# A death by signal is reported by this shell as 128+N without a "Killed"
# message on the test's output.
run_env() {
    local vars=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        vars+=("$1")
        shift
    done
    shift
    (env "${vars[@]}" "$CONVOY" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null; exit $?) 2>/dev/null
    RC=$?
    OUT=$(cat -- "$TMP/out")
    ERR=$(cat -- "$TMP/err")
    LAST="${vars[*]} convoy $*"
}

# check DESCRIPTION COMMAND... : an assertion made by a command's exit status.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

# py_check DESCRIPTION FILE PYTHON-EXPR : EXPR holds, with `text` the file's
# contents and `lines` its JSON lines parsed (when it is JSON Lines).
py_check() {
    local msg
    if msg=$("$PY" - "$2" "$3" <<'PYEOF' 2>&1
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
try:
    lines = [json.loads(l) for l in text.splitlines() if l.strip()]
except ValueError:
    lines = None
try:
    ok = eval(sys.argv[2], {"text": text, "lines": lines, "json": json})
except Exception as e:
    sys.exit("%s: %r" % (type(e).__name__, e))
if not ok:
    sys.exit("false")
PYEOF
    ); then
        pass "$1"
    else
        fail "$1" "check: $3" "python: $msg"
    fi
}

# ---------------------------------------------------------------------------
# Help and command line.

run help simulate
expect_rc 0
expect_out '^usage: convoy simulate PLAN \[--scenario FILE\] \[--log FILE\] \[--state FILE\]'
expect_out 'CONVOY_SIMULATE_KILL_AFTER'
expect_out '0 when every service was promoted, 2 when the rollout was'

run simulate --help
expect_rc 0
expect_out '^usage: convoy simulate'

run --help
expect_out '^  simulate PLAN'

run simulate
expect_rc 1
expect_err 'simulate: no plan given'

run simulate "$SHOP" --resume
expect_rc 1
expect_err '--resume needs --state'

run simulate "$SHOP" --frobnicate
expect_rc 1
expect_err "unknown option '--frobnicate'"

run simulate "$SHOP" "$SHOP"
expect_rc 1
expect_err 'only one plan'

run simulate "$SHOP" --scenario
expect_rc 1
expect_err "option '--scenario' needs a value"

run_env CONVOY_SIMULATE_KILL_AFTER=soon -- simulate "$SHOP"
expect_rc 1
expect_err 'CONVOY_SIMULATE_KILL_AFTER must be a positive whole number'

# ---------------------------------------------------------------------------
# All healthy: every service promoted, in wave order.

run simulate "$SHOP" --log healthy.jsonl
expect_rc 0
expect_all_out '^(\+[0-9]{2,}:[0-9]{2}  [a-z]+ +[^ ].*|                    .*|Outcome: .*|  .*|)$'
expect_out '^\+00:00  ledger     started: 3\.8\.2 -> 3\.9\.0$'
expect_out '^\+[0-9]{2,}:[0-9]{2}  payments   analysis web-health: Successful \(error-rate = 0\.005\) -> continue$'
expect_out '^\+[0-9]{2,}:[0-9]{2}  frontend   weight 10%, mirror 20%$'
expect_out '^\+[0-9]{2,}:[0-9]{2}  convoy     rollout promoted$'
expect_out '^Outcome: PROMOTED'
expect_out '^  frontend   promoted        100%  3$'
expect_not_out $'\033'
expect_empty_err

# The log: every record is JSON with increasing seq and time; services
# started only after their dependencies were promoted, or (checkout needs
# payments at step 4) had completed the named step.
py_check "log records are numbered 1.. in order" healthy.jsonl \
    '[r["seq"] for r in lines] == list(range(1, len(lines) + 1)) and all(a["time_ms"] <= b["time_ms"] for a, b in zip(lines, lines[1:]))'
py_check "services started in wave order" healthy.jsonl \
    '[r["service"] for r in lines if r.get("event") == "started"] == ["ledger", "inventory", "payments", "checkout", "frontend"]'
cat >"$TMP/deps.py" <<'PYEOF'
import json, sys
plan = json.load(open(sys.argv[1]))
log = [json.loads(l) for l in open(sys.argv[2])]
started = {r["service"]: i for i, r in enumerate(log) if r.get("event") == "started"}
promoted = {r["service"]: i for i, r in enumerate(log) if r.get("event") == "promoted"}
for svc in plan["services"]:
    for dep in svc.get("depends_on", []):
        if isinstance(dep, str):
            if not promoted.get(dep, 1 << 60) < started[svc["name"]]:
                sys.exit("%s started before %s was promoted" % (svc["name"], dep))
        else:
            # The dependency must have left step N behind: a record of it at a
            # later step (or promoted) comes before the dependent's start.
            ok = any(r.get("service") == dep["service"] and i < started[svc["name"]] and
                     (r.get("event") == "promoted" or (isinstance(r.get("step"), int) and
                                                       dep["step"] < r["step"] < 1000))
                     for i, r in enumerate(log))
            if not ok:
                sys.exit("%s started before %s passed step %d" % (svc["name"], dep["service"], dep["step"]))
PYEOF
if msg=$("$PY" "$TMP/deps.py" "$SHOP" healthy.jsonl 2>&1); then
    pass "every service started after its dependencies (log)"
else
    fail "every service started after its dependencies (log)" "$msg"
fi

run simulate "$SHOP" --json
expect_rc 0
expect_empty_err
expect_json "--json: exactly the report's keys" \
    'len(docs) == 1 and sorted(d) == ["decisions", "outcome", "rollback_order", "services", "simulated_seconds"]'
expect_json "--json: outcome promoted" 'd["outcome"] == "promoted" and d["rollback_order"] == []'
expect_json "--json: every service promoted at 100%" \
    'list(d["services"]) == ["frontend", "checkout", "payments", "inventory", "ledger"] and all(s == {"state": "promoted", "weight": 10000} for s in d["services"].values())'
cp -- "$TMP/out" healthy.json
py_check "--json decisions and time agree with the log" healthy.jsonl \
    'json.load(open("healthy.json"))["decisions"] == sum(r["type"] == "decision" for r in lines) and json.load(open("healthy.json"))["simulated_seconds"] == lines[-1]["time_ms"] // 1000'

# ---------------------------------------------------------------------------
# payments degrades from t=3000s: checkout (which depends on it) and payments
# are rolled back, dependents first; what was promoted stays promoted.

run simulate "$SHOP" --scenario "$DEGRADE" --json --log degrade.jsonl
expect_rc 2
expect_empty_err
expect_json "degrade: rolled back" 'd["outcome"] == "rolled_back"'
expect_json "degrade: rollback order checkout, payments" 'd["rollback_order"] == ["checkout", "payments"]'
expect_json "degrade: frontend untouched" 'd["services"]["frontend"] == {"state": "untouched", "weight": 0}'
expect_json "degrade: ledger and inventory promoted" \
    'd["services"]["ledger"] == {"state": "promoted", "weight": 10000} and d["services"]["inventory"] == {"state": "promoted", "weight": 10000}'
expect_json "degrade: payments and checkout rolled back to 0" \
    'd["services"]["payments"] == {"state": "rolled_back", "weight": 0} and d["services"]["checkout"] == {"state": "rolled_back", "weight": 0}'
expect_json "degrade: after t=3000s" 'd["simulated_seconds"] >= 3000'
cp -- "$TMP/out" degrade.json.out
py_check "degrade: the rollback decision names payments, error-rate and the order" degrade.jsonl \
    '[(r["service"], r["gates"][0]["metric"], r["rollback_order"]) for r in lines if r.get("decision") == "rollback"] == [("payments", "error-rate", ["checkout", "payments"])]'
py_check "degrade: reverted dependents first" degrade.jsonl \
    '[r["service"] for r in lines if r.get("event") == "rolled_back"] == ["checkout", "payments"]'

run simulate "$SHOP" --scenario "$DEGRADE"
expect_rc 2
expect_out '^\+[0-9]{2,}:[0-9]{2}  payments   analysis web-health: Failed \(error-rate = 0\.08\) -> rollback of checkout, payments$'
expect_out 'failure budget of 3 spent'
expect_out '^\+[0-9]{2,}:[0-9]{2}  checkout   rolled back$'
expect_out '^Outcome: ROLLED BACK'
expect_out '^  rollback at \+[0-9]{2,}:[0-9]{2}: payments failed web-health \(error-rate = 0\.08\); owner payments-team'
expect_out '^  rollback order: checkout, payments$'
expect_out '^  frontend   untouched         0%  3$'
expect_out "^  simulated time [0-9hms]+, $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["decisions"])' degrade.json.out) decisions\$"

# The same world given on standard input.
"$CONVOY" simulate "$SHOP" --scenario - --json <"$DEGRADE" >"$TMP/out" 2>"$TMP/err"
RC=$?
LAST="convoy simulate --scenario - < degrade"
expect_rc 2
check "scenario from standard input: same report" cmp -s "$TMP/out" degrade.json.out

# ---------------------------------------------------------------------------
# Other outcomes: held (an approval nobody gives; an inconclusive gate with
# on_inconclusive hold), aborted (a revert that keeps failing), promoted
# despite actions that fail a few times.

run simulate "$SCEN/approval.plan.json" --scenario "$SCEN/approval-never.json" --json
expect_rc 3
expect_json "approval never comes: held" \
    'd["outcome"] == "held" and d["services"]["api"] == {"state": "held", "weight": 5000} and d["services"]["web"] == {"state": "untouched", "weight": 0}'
run simulate "$SCEN/approval.plan.json" --scenario "$SCEN/approval-never.json"
expect_rc 3
expect_out '^Outcome: HELD'
expect_out 'waiting for an answer that never comes'

run simulate "$SCEN/approval.plan.json" --json
expect_rc 0
expect_json "approval given: promoted" 'd["outcome"] == "promoted"'

run simulate "$SCEN/inconclusive.plan.json" --scenario "$SCEN/inconclusive.json" --json
expect_rc 3
expect_json "inconclusive, on_inconclusive hold: held" \
    'd["outcome"] == "held" and d["services"]["api"] == {"state": "held", "weight": 2000} and d["decisions"] == 1'

run simulate "$SHOP" --scenario "$SCEN/revert-fails.json" --json
expect_rc 3
expect_json "a revert that keeps failing: aborted" \
    'd["outcome"] == "aborted" and d["services"]["frontend"]["state"] == "untouched"'
run simulate "$SHOP" --scenario "$SCEN/revert-fails.json"
expect_rc 3
expect_out '^\+[0-9:]+  checkout   revert failed \(attempt 1\): simulated failure'
expect_out '^Outcome: ABORTED'

run simulate "$SHOP" --scenario "$SCEN/deploy-flaky.json" --log flaky.jsonl
expect_rc 0
expect_out '^\+[0-9]{2,}:[0-9]{2}  inventory  deploy failed \(attempt 1\): simulated failure: deploy of service "inventory"'
expect_out '^\+[0-9]{2,}:[0-9]{2}  inventory  deploy failed \(attempt 2\)'
expect_out '^\+[0-9]{2,}:[0-9]{2}  inventory  deployed$'
py_check "flaky deploy: two failed attempts logged, then ok" flaky.jsonl \
    '[(r["result"], r["attempt"]) for r in lines if r.get("action") == "deploy" and r["service"] == "inventory"] == [("error", 1), ("error", 2), ("ok", 3)]'
py_check "flaky deploy: retried later, with backoff" flaky.jsonl \
    'len(set(r["time_ms"] for r in lines if r.get("action") == "deploy" and r["service"] == "inventory")) == 3'

# ---------------------------------------------------------------------------
# Errors: exit 1, the problem and its JSON Pointer on stderr, nothing else.

run simulate "$SHOP" --scenario "$SCEN/unknown-service.json"
expect_rc 1
expect_err '^convoy: simulate: [^ ]*unknown-service\.json:1:14: /metrics/paymentz: the plan has no service "paymentz" \(did you mean "payments"\?\)$'
expect_empty_out

run simulate "$SHOP" --scenario "$SCEN/unknown-metric.json" --json
expect_rc 1
expect_err 'unknown-metric\.json:2:[0-9]+: /metrics/payments/candidate/latency-p99: .*"latency-p99"'
expect_empty_out

run simulate "$SHOP" --scenario "$SCEN/unknown-variant.json"
expect_rc 1
expect_err ': /metrics/payments/canary: .*"canary"'

run simulate "$SHOP" --scenario "$SCEN/unknown-action.json"
expect_rc 1
expect_err ': /actions/fail/0/action: '

run simulate "$SHOP" --scenario "$SCEN/malformed.json"
expect_rc 1
expect_err 'malformed\.json:2:[0-9]+: '

run simulate "$SHOP" --scenario "$TMP/no-such-scenario.json"
expect_rc 1
expect_err 'no-such-scenario\.json: cannot read the scenario'

printf '{"name": "broken", "services": [{"name": "a", "steps": [{"set_weight": 150}]}]}\n' >broken.json
run simulate broken.json
expect_rc 1
expect_err '^broken\.json:1:[0-9]+: /services/0/steps/0/set_weight: '
expect_empty_out

run simulate "$TMP/no-such-plan.json"
expect_rc 1
expect_err 'no-such-plan\.json'

run simulate "$SHOP" --svg "$TMP/no-such-dir/t.svg"
expect_rc 1
expect_err 'no-such-dir/t\.svg: cannot write the timeline'

# ---------------------------------------------------------------------------
# --svg: well-formed SVG 1.1, one lane per service in wave order, marks,
# the rollback line, the title.

cat >"$TMP/svg.py" <<'PYEOF'
import re, sys
import xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
expr = sys.argv[2]
lanes = [g for g in root.iter(NS + "g") if g.get("class") == "lane"]
groups = [g.get("class") or "" for g in root.iter(NS + "g")]
texts = [("".join(t.itertext())) for t in root.iter(NS + "text")]
title = root.find(NS + "title").text
if not eval(expr):
    sys.exit("false")
PYEOF
svg_check() {
    local msg
    if msg=$("$PY" "$TMP/svg.py" "$2" "$3" 2>&1); then pass "$1"; else fail "$1" "check: $3" "python: $msg"; fi
}

run simulate "$SHOP" --scenario "$DEGRADE" --svg degrade.svg --json
expect_rc 2
svg_check "svg: well-formed SVG 1.1" degrade.svg \
    'root.tag == NS + "svg" and root.get("version") == "1.1"'
svg_check "svg: one lane per service, wave order" degrade.svg \
    '[g.get("data-service") for g in lanes] == ["ledger", "inventory", "payments", "checkout", "frontend"]'
svg_check "svg: title names the plan and the outcome" degrade.svg \
    'title == "shop-2024-06-18: rolled back" and any("shop-2024-06-18" in t and "rolled back" in t for t in texts)'
phases=$("$PY" -c '
import json, sys
g = [json.loads(l)["gates"][0]["phase"] for l in open(sys.argv[1]) if "\"gates\"" in l]
print(g.count("Successful"), g.count("Failed"))' degrade.jsonl)
svg_check "svg: a mark per gate verdict ($phases pass/fail)" degrade.svg \
    '(groups.count("verdict verdict-pass"), groups.count("verdict verdict-fail")) == ('"${phases/ /, }"') and groups.count("verdict verdict-fail") >= 1'
svg_check "svg: the rollback line names payments and error-rate" degrade.svg \
    'groups.count("rollback") == 1 and any(re.fullmatch(r"rollback at \+\d{2,}:\d\d: payments failed web-health, error-rate = 0\.08", t) for t in texts)'
svg_check "svg: a legend and a time axis in minutes" degrade.svg \
    'any(t == "gate failed" for t in texts) and any(t == "inconclusive" for t in texts) and "30m" in texts and "0m" in texts'
svg_check "svg: weights drawn per lane" degrade.svg \
    'all(any(p.get("class") == "weight" for p in g.iter(NS + "path")) for g in lanes)'

run simulate "$SHOP" --svg healthy.svg
expect_rc 0
svg_check "svg promoted: no rollback line" healthy.svg \
    'groups.count("rollback") == 0 and title == "shop-2024-06-18: promoted" and len(lanes) == 5'
svg_check "svg promoted: frontend's mirror drawn" healthy.svg \
    'any(p.get("class") == "mirror" for p in lanes[4].iter(NS + "path"))'

# Text is XML-escaped.
cat >escape.json <<'PYEOF'
{"name": "R&D <beta> \"q\" 'x' ]]>", "services": [{"name": "api", "owner": "a <a@x> & co",
 "candidate": "2", "steps": [{"set_weight": 50}, {"analysis": "e"}]}],
 "analyses": {"e": {"metrics": [{"name": "err", "provider": {"prometheus": {"query": "q"}},
  "interval": "1m", "count": 1, "success": "<0.01"}]}}}
PYEOF
printf '{"metrics": {"api": {"candidate": {"err": [[0, 0.5]]}}}}\n' >escape-scenario.json
run simulate escape.json --scenario escape-scenario.json --svg escape.svg
expect_rc 2
svg_check "svg: text with & < > and quotes is escaped" escape.svg \
    'title == "R&D <beta> \"q\" '"'"'x'"'"' ]]>: rolled back" and any("owner a <a@x> & co" in t for t in texts) and any("vs success <0.01" in (g.findtext(NS + "title") or "") for g in root.iter(NS + "g"))'

# ---------------------------------------------------------------------------
# A terminal gets the live view (redrawn in place); TERM=dumb and pipes get lines.

if command -v script >/dev/null 2>&1; then
    TERM=xterm-256color script -qec "$(printf '%q ' "$CONVOY" simulate "$SHOP" --scenario "$DEGRADE")" /dev/null >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
    OUT=$(cat -- "$TMP/out")
    LAST="convoy simulate (on a terminal)"
    expect_rc 2
    check "terminal: the view is redrawn in place" grep -q $'\033\\[7A' "$TMP/out"
    check "terminal: one line per service with state, step, weight and verdict" \
        grep -Eq $'  payments   \033\\[31mrolled_back\033\\[0m +[0-9]+/11 +0%  FAIL web-health error-rate=0\\.08' "$TMP/out"
    check "terminal: no plain progress lines" bash -c '! grep -Eq "^\+[0-9]{2,}:[0-9]{2}  ledger     started" "$1"' _ "$TMP/out"
    expect_out 'Outcome: ROLLED BACK'

    NO_COLOR=1 TERM=xterm script -qec "$(printf '%q ' "$CONVOY" simulate "$SCEN/approval.plan.json")" /dev/null >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
    LAST="NO_COLOR=1 convoy simulate (on a terminal)"
    expect_rc 0
    check "terminal with NO_COLOR: no colours" bash -c '! grep -q $'"'"'\033\\[3[0-9]m'"'"' "$1"' _ "$TMP/out"
    check "terminal with NO_COLOR: still redrawn" grep -q $'\033\\[4A' "$TMP/out"

    TERM=dumb script -qec "$(printf '%q ' "$CONVOY" simulate "$SCEN/approval.plan.json")" /dev/null >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
    LAST="TERM=dumb convoy simulate (on a terminal)"
    expect_rc 0
    check "TERM=dumb: plain lines" grep -q '+00:00  api     started: 1.0 -> 1.1' "$TMP/out"
    check "TERM=dumb: no escapes" bash -c '! grep -q $'"'"'\033'"'"' "$1"' _ "$TMP/out"
else
    echo "# script(1) not found: live view tests skipped"
fi

# ---------------------------------------------------------------------------
# --state and --resume.

printf 'not a state' >fresh.state
printf 'old junk\n' >fresh.jsonl
run simulate "$SHOP" --state fresh.state --log fresh.jsonl --json
expect_rc 0
check "--state without --resume starts afresh: same log as a run without state" cmp -s fresh.jsonl healthy.jsonl
check "--state without --resume: the state is saved" test -s fresh.state

run simulate "$SHOP" --state fresh.state --log fresh.jsonl --resume --json
expect_rc 0
check "resuming a finished run: same report" cmp -s "$TMP/out" healthy.json
check "resuming a finished run: log unchanged" cmp -s fresh.jsonl healthy.jsonl

run simulate "$SHOP" --state "$TMP/missing.state" --resume
expect_rc 1
expect_err 'missing\.state: no saved state to resume'

printf '{"broken": ' >bad.state
run simulate "$SHOP" --state bad.state --resume
expect_rc 1
expect_err 'bad\.state: cannot resume: '

run simulate "$SCEN/approval.plan.json" --state fresh.state --resume
expect_rc 1
expect_err 'fresh\.state: cannot resume: '

# ---------------------------------------------------------------------------
# Crash and resume. The reference: an uninterrupted run with --state and
# --log. Its number of callbacks is found by bisection (a kill point past
# the last callback lets the run finish).

CRASH_PLAN=$SHOP
CRASH_SCEN=$SCEN/crash.json
"$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" --state ref.state --log ref.jsonl --json >ref.json 2>ref.err
RC=$?
LAST="convoy simulate (crash reference)"
expect_rc 2

# Exit status of a run of PLAN (with SCENARIO, "" for none) killed after N
# callbacks, with fresh files each time.
killed_at() { # PLAN SCENARIO N
    local scen=()
    [ -n "$2" ] && scen=(--scenario "$2")
    rm -f -- bis.state bis.jsonl
    (CONVOY_SIMULATE_KILL_AFTER=$3 "$CONVOY" simulate "$1" "${scen[@]}" \
        --state bis.state --log bis.jsonl --json >/dev/null 2>&1; exit $?) 2>/dev/null
}
# The number of callbacks of a whole run, by bisection: the largest N that
# still kills it.
count_callbacks() { # PLAN SCENARIO
    local lo=1 hi=1 mid
    while killed_at "$1" "$2" "$hi"; [ $? -eq 137 ]; do
        lo=$hi
        hi=$((hi * 2))
    done
    while [ $((hi - lo)) -gt 1 ]; do
        mid=$(((lo + hi) / 2))
        if killed_at "$1" "$2" "$mid"; [ $? -eq 137 ]; then lo=$mid; else hi=$mid; fi
    done
    echo "$lo"
}
TOTAL=$(count_callbacks "$CRASH_PLAN" "$CRASH_SCEN")
LAST="bisection"
if [ "$TOTAL" -ge 100 ]; then
    pass "the reference run makes $TOTAL callbacks"
else
    fail "the reference run makes only $TOTAL callbacks"
fi
killed_at "$CRASH_PLAN" "$CRASH_SCEN" "$TOTAL"
RC=$?
LAST="CONVOY_SIMULATE_KILL_AFTER=$TOTAL (the last callback)"
expect_rc 137
killed_at "$CRASH_PLAN" "$CRASH_SCEN" $((TOTAL + 1))
RC=$?
LAST="CONVOY_SIMULATE_KILL_AFTER=$((TOTAL + 1)) (past the last callback)"
expect_rc 2

# 50 kill points spread over the run; every third resumed run is killed
# again half-way through what is left (a resumed run resumed), every fifth
# log gets a torn, unfinished record appended before resuming (as a crash
# in the middle of a write would leave it).
points=0
identical=0
double=0
fresh_restarts=0
crash_fail=()
for k in $(seq 0 49); do
    N=$((1 + k * (TOTAL - 1) / 49))
    points=$((points + 1))
    rm -f -- c.state c.jsonl c.json
    (CONVOY_SIMULATE_KILL_AFTER=$N "$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" \
        --state c.state --log c.jsonl --json >/dev/null 2>c.err; exit $?) 2>/dev/null
    rc=$?
    if [ $rc -ne 137 ]; then
        crash_fail+=("N=$N: exit $rc, not killed (137)")
        continue
    fi
    if [ ! -e c.state ]; then
        # Killed before the first state was saved: nothing to resume, and
        # --resume says so; a fresh start then makes the same run.
        "$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" --state c.state --log c.jsonl \
            --resume --json >/dev/null 2>c.err
        rc=$?
        if [ $rc -ne 1 ] || ! grep -q 'no saved state to resume' c.err; then
            crash_fail+=("N=$N: --resume without a saved state: exit $rc")
            continue
        fi
        fresh_restarts=$((fresh_restarts + 1))
        "$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" --state c.state --log c.jsonl \
            --json >c.json 2>c.err
    else
        if [ $((k % 5)) -eq 4 ]; then
            printf '{"seq":999999,"time_ms":0,"type":"ev' >>c.jsonl
        fi
        if [ $((k % 3)) -eq 2 ]; then
            M=$(((TOTAL - N) / 2))
            [ "$M" -ge 1 ] || M=1
            (CONVOY_SIMULATE_KILL_AFTER=$M "$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" \
                --state c.state --log c.jsonl --resume --json >c.json 2>c.err; exit $?) 2>/dev/null
            rc=$?
            if [ $rc -eq 137 ]; then
                double=$((double + 1))
                "$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" --state c.state \
                    --log c.jsonl --resume --json >c.json 2>c.err
            fi
        else
            "$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" --state c.state --log c.jsonl \
                --resume --json >c.json 2>c.err
        fi
    fi
    rc=$?
    if [ $rc -ne 2 ]; then
        crash_fail+=("N=$N: the resumed run exited $rc: $(head -c 300 c.err)")
    elif ! cmp -s c.json ref.json; then
        crash_fail+=("N=$N: the final report differs: $(cat c.json)")
    elif ! cmp -s c.jsonl ref.jsonl; then
        crash_fail+=("N=$N: the decision log differs: $(cmp c.jsonl ref.jsonl 2>&1 | head -1)")
    else
        identical=$((identical + 1))
    fi
done
LAST="crash-resume at $points kill points of $TOTAL"
if [ ${#crash_fail[@]} -eq 0 ] && [ "$identical" -eq 50 ]; then
    pass "all 50 resumed runs: report and log byte-identical to the uninterrupted run"
else
    fail "crash-resume: $identical of $points identical" "${crash_fail[@]}"
fi
if [ "$double" -ge 10 ]; then
    pass "$double resumed runs were killed again and resumed once more"
else
    fail "only $double resumed runs were killed a second time"
fi
if [ "$fresh_restarts" -le 3 ]; then
    pass "$fresh_restarts kill points came before the first saved state"
else
    fail "$fresh_restarts kill points came before the first saved state: kill points badly spread"
fi

# The healthy run killed and resumed at a few points too (the promotion path).
H_TOTAL=$(count_callbacks "$SHOP" "")
"$CONVOY" simulate "$SHOP" --state h.state --log h.jsonl --json >h-ref.json 2>/dev/null
h_fail=()
for k in 1 2 3 4 5; do
    N=$((k * H_TOTAL / 6))
    rm -f -- h2.state h2.jsonl
    (CONVOY_SIMULATE_KILL_AFTER=$N "$CONVOY" simulate "$SHOP" --state h2.state --log h2.jsonl \
        --json >/dev/null 2>&1; exit $?) 2>/dev/null
    rc=$?
    "$CONVOY" simulate "$SHOP" --state h2.state --log h2.jsonl --resume --json >h2.json 2>/dev/null
    rc2=$?
    if [ $rc -ne 137 ] || [ $rc2 -ne 0 ] || ! cmp -s h2.json h-ref.json || ! cmp -s h2.jsonl h.jsonl; then
        h_fail+=("N=$N of $H_TOTAL: killed $rc, resumed $rc2")
    fi
done
LAST="crash-resume of the healthy run"
if [ ${#h_fail[@]} -eq 0 ]; then
    pass "healthy run killed at 5 points of $H_TOTAL: report and log identical"
else
    fail "healthy run crash-resume" "${h_fail[@]}"
fi

# A resumed run's timeline is the whole run's (replayed from the log): the
# same SVG, byte for byte, as an uninterrupted run draws.
"$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" --svg whole.svg --json >/dev/null 2>&1
rm -f -- s.state s.jsonl
(CONVOY_SIMULATE_KILL_AFTER=$((TOTAL * 2 / 3)) "$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" \
    --state s.state --log s.jsonl --json >/dev/null 2>&1; exit $?) 2>/dev/null
run simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" --state s.state --log s.jsonl --resume --svg resumed.svg
expect_rc 2
expect_out '^resuming shop-2024-06-18 from s\.state at \+[0-9]{2,}:[0-9]{2} \([0-9]+ decisions so far\)$'
check "resumed run: the same SVG as an uninterrupted run" cmp -s resumed.svg whole.svg

# Resumed without its log, the timeline starts where the run resumed.
rm -f -- s.state s.jsonl
(CONVOY_SIMULATE_KILL_AFTER=$((TOTAL * 2 / 3)) "$CONVOY" simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" \
    --state s.state --json >/dev/null 2>&1; exit $?) 2>/dev/null
run simulate "$CRASH_PLAN" --scenario "$CRASH_SCEN" --state s.state --resume --svg nolog.svg --json
expect_rc 2
check "resumed without a log: same report" cmp -s "$TMP/out" ref.json
svg_check "resumed without a log: a valid SVG with every lane" nolog.svg \
    'len(lanes) == 5 and groups.count("rollback") == 1'

# ---------------------------------------------------------------------------
# --history: the release history that Keptn-style relative criteria compare
# with. Two releases of one plan (other names, so the first is the second's
# past): api and web, each judged by "p99-seconds <= 1 and <= +10 % of the
# earlier promoted releases' mean".

HPLAN1=$SCEN/history-r1.plan.json
HPLAN2=$SCEN/history-r2.plan.json

run help simulate
expect_out '^ +\[--resume\] \[--history FILE\] \[--svg FILE\] \[--json\]$'
expect_out '^  --history FILE   the release history \(JSON Lines\) that relative$'

run simulate "$HPLAN1" --history -
expect_rc 1
expect_err '--history needs a file'

run simulate "$HPLAN1" --history same.jsonl --log same.jsonl
expect_rc 1
expect_err "--history and --log cannot be the same file \('same\.jsonl'\)"

printf '{}' >same.state
run simulate "$HPLAN1" --history "$TMP/same.state" --state same.state
expect_rc 1
expect_err '--history and --state cannot be the same file'

# Release 1, healthy: promoted, and the history (created) holds one record
# per service with the means its last analysis measured.
rm -f -- releases.jsonl
run simulate "$HPLAN1" --scenario "$SCEN/history-r1.json" --history releases.jsonl --json
expect_rc 0
expect_json "history release 1: promoted" 'd["outcome"] == "promoted"'
py_check "history release 1: one record per service, in the order they finished" releases.jsonl \
    '[(r["release"], r["service"], r["version"], r["outcome"]) for r in lines] == [("latency-release-1", "api", "1.1", "promoted"), ("latency-release-1", "web", "2.1", "promoted")]'
py_check "history release 1: the metric means and counts" releases.jsonl \
    'abs(lines[0]["metrics"]["p99-seconds"]["mean"] - 0.5) < 1e-9 and abs(lines[1]["metrics"]["p99-seconds"]["mean"] - 0.2) < 1e-9 and [r["metrics"]["p99-seconds"]["n"] for r in lines] == [3, 3]'
cp -- releases.jsonl r1.history

# Release 2, api 20 % slower from its second analysis on (0.6 s against
# 0.5 s): "<=1" holds, "<=+10%" does not: rolled back at 60 %, and the
# decision says which criterion failed; the history gets api's rollback
# with the means of the analysis that failed (0.5 then 0.6).
cp -- r1.history worse.history
run simulate "$HPLAN2" --scenario "$SCEN/history-worse.json" --history worse.history \
    --log worse.jsonl --json
expect_rc 2
expect_json "history release 2 worse: api rolled back, web never started" \
    'd["outcome"] == "rolled_back" and d["rollback_order"] == ["api"] and d["services"]["web"]["state"] == "untouched"'
py_check "history release 2 worse: the rollback names api, p99-seconds = 0.6 and <=+10%" worse.jsonl \
    '[(r["service"], r["gates"][0]["metric"], r["gates"][0]["value"], "<=+10%" in r["gates"][0]["reason"]) for r in lines if r.get("decision") == "rollback"] == [("api", "p99-seconds", 0.6, True)]'
py_check "history release 2 worse: release 1 kept, api's rollback appended" worse.history \
    'text.startswith(open("r1.history").read()) and [(r["release"], r["service"], r["version"], r["outcome"]) for r in lines[2:]] == [("latency-release-2", "api", "1.2", "rolled_back")] and abs(lines[2]["metrics"]["p99-seconds"]["mean"] - 0.55) < 1e-9 and lines[2]["metrics"]["p99-seconds"]["n"] == 2'

cp -- r1.history worse-text.history
run simulate "$HPLAN2" --scenario "$SCEN/history-worse.json" --history worse-text.history
expect_rc 2
expect_out '^\+02:00  api     analysis latency: Successful \(p99-seconds = 0\.5\) -> continue$'
expect_out '^\+03:00  api     analysis latency: Failed \(p99-seconds = 0\.6\) -> rollback of api$'
expect_out 'p99-seconds: 0\.6 vs success <=1 and <=\+10% -> Failed'
expect_out '^  rollback at \+03:00: api failed latency \(p99-seconds = 0\.6\); owner api-team$'

# Without a history the relative criterion has nothing to compare with and
# passes (Keptn); so does a release compared with its own records only.
run simulate "$HPLAN2" --scenario "$SCEN/history-worse.json" --json
expect_rc 0
cp -- r1.history self.history
run simulate "$HPLAN1" --scenario "$SCEN/history-worse.json" --history self.history --json
expect_rc 0
expect_json "a release is not compared with its own records" 'd["outcome"] == "promoted"'

# Release 2 within 10 % (0.54 s against 0.5 s; web 0.21 s against 0.2 s).
cp -- r1.history within.history
run simulate "$HPLAN2" --scenario "$SCEN/history-within.json" --history within.history --json
expect_rc 0
expect_json "history release 2 within 10 %: promoted" 'd["outcome"] == "promoted"'
py_check "history release 2 within 10 %: its records appended after release 1's" within.history \
    'text.startswith(open("r1.history").read()) and [(r["release"], r["service"], r["outcome"]) for r in lines[2:]] == [("latency-release-2", "api", "promoted"), ("latency-release-2", "web", "promoted")] and abs(lines[2]["metrics"]["p99-seconds"]["mean"] - 0.54) < 1e-9'

# A fresh start (--state without --resume) empties the log, never the
# history; resuming a finished run appends nothing.
cp -- r1.history keep.history
run simulate "$HPLAN2" --scenario "$SCEN/history-within.json" --history keep.history \
    --state keep.state --log keep.jsonl --json
expect_rc 0
cp -- keep.history keep.after
run simulate "$HPLAN2" --scenario "$SCEN/history-within.json" --history keep.history \
    --state keep.state --log keep.jsonl --resume --json
expect_rc 0
check "history: resuming a finished run appends nothing" cmp -s keep.history keep.after
run simulate "$HPLAN2" --scenario "$SCEN/history-within.json" --history keep.history \
    --state keep.state --log keep.jsonl --json
expect_rc 0
py_check "history: a fresh start appends to the history, keeping what was there" keep.history \
    'text.startswith(open("keep.after").read()) and len(lines) == 6'

# Broken lines. The library's contract (lib/rollout/history.c): lines that
# are not records - a crash's torn last line, garbage - are skipped, not an
# error, so one bad line cannot stop a release; the records around them
# still count, and an append starts on a fresh line.
{
    printf '%s\n' '{"release":"latency-release-0","service":"api","version":"1.0","outcome":"promoted","time_ms":1,"metrics":{"p99-seconds":{"mean":0.4,"n":3}}}'
    printf '%s\n' 'not a record' '{"release": 42}'
    printf '%s' '{"release":"latency-release-0","service":"web","ver'
} >broken.history
cp -- broken.history broken.before
run simulate "$HPLAN2" --scenario "$SCEN/history-within.json" --history broken.history --json \
    --log broken.jsonl
expect_rc 2
expect_empty_err
check "history with broken lines: the decision log says 3 lines were skipped" \
    grep -q '"event":"history_lines_skipped","detail":"3 lines of the history file skipped: not history records"' broken.jsonl
expect_json "history with broken lines: release 0's api record (0.4 s) still rolls back 0.54 s" \
    'd["outcome"] == "rolled_back" and d["rollback_order"] == ["api"]'
py_check "history with broken lines: kept as they were, the new record on a line of its own" broken.history \
    'text.startswith(open("broken.before").read() + "\n") and json.loads(text.splitlines()[-1])["outcome"] == "rolled_back"'
printf 'garbage\n{"torn' >garbage.history
run simulate "$HPLAN2" --scenario "$SCEN/history-worse.json" --history garbage.history --json
expect_rc 0
expect_json "a history of nothing but broken lines is an empty one" 'd["outcome"] == "promoted"'

# A history that cannot be used: exit 1 before anything runs, the file named.
mkdir -p hdir
printf 'old log\n' >hkeep.jsonl
printf 'old state' >hkeep.state
run simulate "$HPLAN1" --history hdir --state hkeep.state --log hkeep.jsonl
expect_rc 1
expect_err '^convoy: simulate: hdir: cannot open the history for appending: Is a directory$'
expect_empty_out
check "an unusable history: the log is left alone" grep -qx 'old log' hkeep.jsonl
check "an unusable history: the state is left alone" grep -qx 'old state' hkeep.state

run simulate "$HPLAN1" --history "$TMP/no-such-dir/h.jsonl" --json
expect_rc 1
expect_err 'no-such-dir/h\.jsonl: cannot open the history for appending: No such file or directory$'
expect_empty_out

# Appendable but not a file the library reads (its own check and message).
run simulate "$HPLAN1" --history /dev/null
expect_rc 1
expect_err '^convoy: simulate: /dev/null: the history is not a regular file$'

# With --resume the history's problem is not blamed on the saved state.
run simulate "$HPLAN2" --scenario "$SCEN/history-within.json" --state keep.state \
    --log keep.jsonl --history /dev/null --resume
expect_rc 1
expect_err '^convoy: simulate: /dev/null: the history is not a regular file$'

run simulate "$HPLAN1" --state "$TMP/missing.state" --resume --history unborn.history
expect_rc 1
expect_err 'missing\.state: no saved state to resume'
check "nothing to resume: the history is not created" test ! -e unborn.history

if [ "$(id -u)" -ne 0 ]; then
    printf '' >locked.history
    chmod 000 locked.history
    run simulate "$HPLAN1" --history locked.history
    expect_rc 1
    expect_err 'locked\.history: cannot open the history for appending: Permission denied'
    chmod 600 locked.history
else
    echo "# running as root: the unreadable-history test is skipped"
fi

# Crash and resume with a history: killed after every callback in turn and
# resumed, the history must be the uninterrupted run's. The engine marks a
# service's record written in the state it saves at the end of the tick;
# a kill after the append but before that save (only the last callbacks
# of a run, the final status notification, come in between) makes the
# resumed run append the record again: the same line, which the library's
# reading (the last record per release and service wins) counts once. Any
# other difference is a failure.
hist_crash() { # NAME PLAN SCENARIO SEED-HISTORY EXIT
    local name=$1 plan=$2 scen=$3 seed=$4 want=$5 N=0 rc
    local fails=() repeats=()
    cp -- "$seed" "$name.ref.history"
    "$CONVOY" simulate "$plan" --scenario "$scen" --history "$name.ref.history" \
        --state "$name.ref.state" --log "$name.ref.jsonl" --json >"$name.ref.json" 2>/dev/null
    rc=$?
    [ $rc -eq "$want" ] || fails+=("the reference run exited $rc")
    while :; do
        N=$((N + 1))
        rm -f -- hc.state hc.jsonl
        cp -- "$seed" hc.history
        (CONVOY_SIMULATE_KILL_AFTER=$N "$CONVOY" simulate "$plan" --scenario "$scen" \
            --history hc.history --state hc.state --log hc.jsonl --json >/dev/null 2>&1; exit $?) 2>/dev/null
        rc=$?
        [ $rc -eq 137 ] || break
        local resume=(--resume)
        [ -e hc.state ] || resume=()
        "$CONVOY" simulate "$plan" --scenario "$scen" --history hc.history --state hc.state \
            --log hc.jsonl "${resume[@]}" --json >hc.json 2>hc.err
        rc=$?
        if [ $rc -ne "$want" ] || ! cmp -s hc.json "$name.ref.json" || ! cmp -s hc.jsonl "$name.ref.jsonl"; then
            fails+=("N=$N: resumed run exited $rc, report or log differs: $(head -c 200 hc.err)")
        elif cmp -s hc.history "$name.ref.history"; then
            :
        elif uniq hc.history | cmp -s - "$name.ref.history"; then
            repeats+=("$N")
        else
            fails+=("N=$N: the history differs: $(diff hc.history "$name.ref.history" | head -3)")
        fi
    done
    TOTAL_H=$((N - 1))
    # Only the kill after the last callback (the final status notification)
    # lies between an append and the save that records it.
    local r
    for r in "${repeats[@]}"; do
        [ "$r" -eq "$TOTAL_H" ] || fails+=("N=$r of $TOTAL_H: a record repeated by the resumed run")
    done
    LAST="history crash-resume ($name) at each of $TOTAL_H kill points"
    if [ $rc -ne "$want" ]; then
        fail "the run past the last kill point exited $rc"
    elif [ ${#fails[@]} -eq 0 ] && [ "$TOTAL_H" -ge 20 ]; then
        pass "report, log and history as uninterrupted$([ ${#repeats[@]} -gt 0 ] && echo "; the kill between the last append and its save (N=${repeats[*]}) repeated that record verbatim")"
    else
        fail "history differs from the uninterrupted run's" "${fails[@]}"
    fi
}
hist_crash promote "$HPLAN1" "$SCEN/history-r1.json" /dev/null 0
hist_crash rollback "$HPLAN2" "$SCEN/history-worse.json" r1.history 2

# A repeated record reads as one: release 2 is judged the same against it.
cp -- promote.ref.history once.history
sed -n '$p' promote.ref.history >>once.history
run simulate "$HPLAN2" --scenario "$SCEN/history-worse.json" --history once.history --json
expect_rc 2
run simulate "$HPLAN2" --scenario "$SCEN/history-within.json" --history once.history --json
expect_rc 0

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
