#!/usr/bin/env bash
# End-to-end tests of the `convoy` program.
#
# usage: test_cli.sh CONVOY [PLANS_DIR]
#   CONVOY     the built program (e.g. build/examples/cli/convoy)
#   PLANS_DIR  the test plans (default: plans/ next to this script)
#
# Runs every check, prints "ok - ..." / "not ok - ..." per assertion and a
# final "N passed, M failed" line; exits non-zero when any assertion failed.

set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 CONVOY [PLANS_DIR]" >&2
    exit 2
fi
CONVOY=$(realpath -- "$1")
PLANS=$(realpath -- "${2:-$(dirname -- "$(realpath -- "$0")")/plans}")
PY=/usr/bin/python3
HERE=$(dirname -- "$(realpath -- "$0")")

if [ ! -x "$CONVOY" ]; then
    echo "test_cli.sh: $CONVOY is not an executable" >&2
    exit 2
fi

TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT
# Plans are named relative to PLANS, so output shows e.g. "cycle.json:4:..."
cd -- "$PLANS" || exit 2

# shellcheck source=harness.sh
. "$HERE/harness.sh"

# ---------------------------------------------------------------- version, help

run --version
expect_rc 0
expect_all_out '^convoy [0-9]+\.[0-9]+\.[0-9]+$'
expect_empty_err

run help
expect_rc 0
expect_out '^usage: convoy '
expect_out 'validate'
expect_out 'plan'

run --help
expect_rc 0
expect_out '^usage: convoy '

for cmd in validate plan; do
    run help "$cmd"
    expect_rc 0
    expect_out "^usage: convoy $cmd "
    expect_empty_err

    run "$cmd" --help
    expect_rc 0
    expect_out "^usage: convoy $cmd "

    run "$cmd" -h
    expect_rc 0
    expect_out "^usage: convoy $cmd "
done

run validate --help
expect_out '--json'
expect_out '--no-policies'

# ---------------------------------------------------------------- usage errors

run
expect_rc 1
expect_err 'usage: convoy'
expect_empty_out

run frobnicate
expect_rc 1
expect_err "unknown command 'frobnicate'"
expect_err 'usage: convoy'
expect_empty_out

run --frobnicate
expect_rc 1
expect_err 'usage: convoy'

run help frobnicate
expect_rc 1
expect_err 'usage: convoy'
expect_empty_out

run validate --frobnicate three-tier.json
expect_rc 1
expect_err "unknown option '--frobnicate'"
expect_err '^usage: convoy validate'
expect_empty_out

run validate
expect_rc 1
expect_err '^usage: convoy validate'

run plan
expect_rc 1
expect_err '^usage: convoy plan'

run plan three-tier.json minimal.json
expect_rc 1
expect_err '^usage: convoy plan'
expect_empty_out

# ---------------------------------------------------------------- validate

run validate three-tier.json
expect_rc 0
expect_out_exact 'three-tier.json: valid'
expect_empty_err

run validate three-tier.json minimal.json parallel.json shorthand.json
expect_rc 0
expect_out '^minimal\.json: valid$'
expect_out '^shorthand\.json: valid$'
expect_all_out ': valid$'

run_stdin minimal.json validate -
expect_rc 0
expect_out_exact '<stdin>: valid'

# One problem: the exact line shape, pointer and code.
run validate unknown-key.json
expect_rc 1
expect_all_out '^unknown-key\.json:[0-9]+:[0-9]+: [^ ]+: .+ \[[a-z-]+\]$'
expect_out '^unknown-key\.json:5:[0-9]+: /services/0/stepz: .+ \[unknown-key\]$'
expect_out '^unknown-key\.json:5:.*steps.*\[unknown-key\]$'   # "did you mean" suggestion
expect_empty_err

# A valid and an invalid plan together: exit 1, both reported.
run validate minimal.json unknown-key.json
expect_rc 1
expect_out '^minimal\.json: valid$'
expect_out '^unknown-key\.json:5:[0-9]+: /services/0/stepz: .+ \[unknown-key\]$'

# Every problem is reported, each with its own code and pointer.
run validate many-problems.json
expect_rc 1
expect_all_out '^many-problems\.json:[0-9]+:[0-9]+: [^ ]+: .+ \[[a-z-]+\]$'
expect_out '^many-problems\.json:5:[0-9]+: /services/0/depends_on/0: .+ \[unknown-reference\]$'
expect_out '^many-problems\.json:7:[0-9]+: /services/0/steps/0/set_weight: .+ \[precision\]$'
expect_out '^many-problems\.json:8:[0-9]+: /services/0/steps/1/pause: .+ \[duration\]$'
expect_out '^many-problems\.json:9:[0-9]+: /services/0/steps/2/set_weight: .+ \[range\]$'
expect_out '^many-problems\.json:11:[0-9]+: /services/1/name: .+ \[duplicate\]$'

run validate cycle.json
expect_rc 1
expect_out '^cycle\.json:[0-9]+:[0-9]+: /services/[01]/depends_on/0: .*(a -> b -> a|b -> a -> b).* \[cycle\]$'
if [ "$(grep -c '\[cycle\]' "$TMP/out")" -eq 1 ]; then pass "one cycle reported once"; else fail "the cycle should be reported exactly once"; fi

# JSON syntax errors: a pointer is still printed, "(root)" when empty.
run validate syntax.json
expect_rc 1
expect_out '^syntax\.json:3:[0-9]+: [^ ]+: .+ \[syntax\]$'
expect_not_out '^syntax\.json:[0-9]+:[0-9]+: : '

# Policies, and --no-policies.
run validate policy.json
expect_rc 1
expect_out '^policy\.json:[0-9]+:[0-9]+: /services/1[^ ]*: .+ \[policy-max-weight-jump\]$'
expect_out '^policy\.json:[0-9]+:[0-9]+: /services/1[^ ]*: .+ \[policy-owner-required\]$'
expect_not_out '/services/0.*\[policy-'

run validate --no-policies policy.json
expect_rc 0
expect_out_exact 'policy.json: valid'

run validate policy.json --no-policies
expect_rc 0

# A file that cannot be read: library error on stderr, exit 1.
run validate does-not-exist.json
expect_rc 1
expect_err '^convoy: does-not-exist\.json: .+'
expect_empty_out

run validate minimal.json does-not-exist.json
expect_rc 1
expect_out '^minimal\.json: valid$'
expect_err '^convoy: does-not-exist\.json: .+'

# ---------------------------------------------------------------- validate --json

run validate --json three-tier.json
expect_rc 0
expect_json 'valid plan' 'd == {"valid": True, "errors": []}'

run validate --json unknown-key.json
expect_rc 1
expect_json 'keys' 'set(d) == {"valid", "errors"} and d["valid"] is False'
expect_json 'one error with all keys' \
    'len(d["errors"]) == 1 and set(d["errors"][0]) == {"code", "message", "pointer", "line", "column"}'
expect_json 'unknown-key at /services/0/stepz, line 5' \
    'd["errors"][0]["code"] == "unknown-key" and d["errors"][0]["pointer"] == "/services/0/stepz" and d["errors"][0]["line"] == 5 and d["errors"][0]["column"] >= 1'
expect_json 'message is a non-empty string' 'isinstance(d["errors"][0]["message"], str) and d["errors"][0]["message"]'

run validate --json many-problems.json
expect_rc 1
expect_json 'all codes' \
    '{"unknown-reference", "precision", "duration", "range", "duplicate"} <= {e["code"] for e in d["errors"]}'
expect_json 'ordered by position' \
    '[(e["line"], e["column"]) for e in d["errors"]] == sorted((e["line"], e["column"]) for e in d["errors"])'

run validate --json syntax.json
expect_rc 1
expect_json 'syntax error, raw pointer' \
    'd["valid"] is False and d["errors"][0]["code"] == "syntax" and isinstance(d["errors"][0]["pointer"], str) and d["errors"][0]["pointer"] != "(root)"'

run validate --json three-tier.json unknown-key.json cycle.json
expect_rc 1
expect_json 'one object per file, with "file"' \
    '[x["file"] for x in docs] == ["three-tier.json", "unknown-key.json", "cycle.json"]'
expect_json 'validity per file' '[x["valid"] for x in docs] == [True, False, False]'
expect_json 'codes per file' \
    '[[e["code"] for e in x["errors"]] for x in docs] == [[], ["unknown-key"], ["cycle"]]'

run validate --json --no-policies policy.json
expect_rc 0
expect_json 'policies skipped' 'd["valid"] is True'

run validate --json minimal.json does-not-exist.json
expect_rc 1
expect_err '^convoy: does-not-exist\.json: .+'
expect_json 'unreadable file is an invalid object' \
    'docs[1]["file"] == "does-not-exist.json" and docs[1]["valid"] is False and docs[1]["errors"] == [] and docs[1]["error"]'

# ---------------------------------------------------------------- plan (text)

run plan three-tier.json
expect_rc 0
expect_empty_err
expect_out '^plan: checkout-release$'
expect_out '^max parallel: unlimited$'
expect_out '^  wave 0: cache, db$'
expect_out '^  wave 1: api$'
expect_out '^  wave 2: web$'
expect_out '^service api$'
expect_out '^  owner: +team-api$'
expect_out '^  versions: +1\.4\.2 -> 1\.5\.0$'
expect_out '^  depends on: db \(after step 1\), cache$'
expect_out '^ +0 +set_weight +12\.5% *$'
expect_out '^ +1 +analysis +12\.5% +error-rate$'
expect_out '^ +2 +approval +12\.5% +timeout 1h$'
expect_out '^ +3 +set_mirror +12\.5% +mirror 20%$'
expect_out '^ +4 +webhook +12\.5% +notify \(rollout, timeout 10s\)$'
expect_out '^ +5 +set_weight +100% *$'
expect_out '^ +0 +set_weight +0\.05% *$'
expect_out '^ +1 +pause +0\.05% +5m$'
expect_out '^ +1 +pause +10% +1h30m$'
expect_out '^ +3 +pause +50% +250ms$'
expect_out '^ +1 +pause +25% +45s$'
# api: 30s + 4 x 1m analysis + 10s webhook; roll back 30s + 1m x 1
expect_out '^  promote: +4m40s \+ approvals$'
expect_out '^  roll back: +1m30s$'
expect_out '^  schedule: +starts at 5m, finishes at 9m40s$'
# web: starts when api is promoted
expect_out '^  promote: +1h30m250ms$'
expect_out '^  schedule: +starts at 9m40s, finishes at 1h39m40s250ms$'
# db: no analysis, nothing to wait for before a rollback
expect_out '^  roll back: +0s$'
expect_out '^convoy:$'
expect_out '^  promote: +1h39m40s250ms \+ approvals$'

run plan minimal.json
expect_rc 0
expect_out '^plan: smallest$'
expect_out '^  owner: +\(none\)$'
expect_out '^  depends on: \(none\)$'
expect_out '^  steps: +none'
expect_out '^  promote: +0s$'

run plan shorthand.json
expect_rc 0
expect_out '^  promote: +4m \+ unbounded background analysis$'
expect_out '^ +1 +pause +10% +2m$'
expect_out '^ +2 +analysis +10% +background$'

run_stdin parallel.json plan -
expect_rc 0
expect_out '^plan: two-at-a-time$'
expect_out '^max parallel: 2$'

# An invalid plan: its problems, as validate prints them.
run plan unknown-key.json
expect_rc 1
expect_all_out '^unknown-key\.json:5:[0-9]+: /services/0/stepz: .+ \[unknown-key\]$'

run plan policy.json
expect_rc 1
expect_out '\[policy-owner-required\]$'

run plan --no-policies policy.json
expect_rc 0
expect_out '^plan: too-fast$'

run plan does-not-exist.json
expect_rc 1
expect_err '^convoy: does-not-exist\.json: .+'

# ---------------------------------------------------------------- plan --json

run plan --json three-tier.json
expect_rc 0
expect_empty_err
expect_json 'one document' 'len(docs) == 1'
expect_json 'top-level keys' 'set(d) == {"name", "max_parallel", "waves", "services", "estimate"}'
expect_json 'name, max_parallel' 'd["name"] == "checkout-release" and d["max_parallel"] == 0'
expect_json 'waves of the 3-tier plan' 'd["waves"] == [["cache", "db"], ["api"], ["web"]]'
expect_json 'services in document order' '[s["name"] for s in d["services"]] == ["web", "api", "db", "cache"]'
expect_json 'service keys' \
    'all(set(s) == {"name", "owner", "wave", "depends_on", "cohort", "baseline", "candidate", "steps", "estimate"} for s in d["services"])'
expect_json 'service waves match the waves' \
    'all(s["name"] in d["waves"][s["wave"]] for s in d["services"])'
expect_json 'owners, versions, cohort' \
    'd["services"][1]["owner"] == "team-api" and d["services"][1]["baseline"] == "1.4.2" and d["services"][1]["candidate"] == "1.5.0" and d["services"][1]["cohort"] is None'
expect_json 'depends_on with step or null' \
    'd["services"][1]["depends_on"] == [{"service": "db", "step": 1}, {"service": "cache", "step": None}] and d["services"][0]["depends_on"] == [{"service": "api", "step": None}] and d["services"][2]["depends_on"] == []'
expect_json 'step keys' \
    'all(set(st) == {"index", "kind", "weight_bp", "mirror_bp", "duration_ms", "timeout_ms", "analysis", "webhook"} for s in d["services"] for st in s["steps"])'
expect_json 'step indices' 'all([st["index"] for st in s["steps"]] == list(range(len(s["steps"]))) for s in d["services"])'
expect_json 'api step kinds' \
    '[st["kind"] for st in d["services"][1]["steps"]] == ["set_weight", "analysis", "approval", "set_mirror", "webhook", "set_weight"]'
expect_json 'weights in effect (basis points)' \
    '[st["weight_bp"] for st in d["services"][1]["steps"]] == [1250, 1250, 1250, 1250, 1250, 10000] and [st["weight_bp"] for st in d["services"][0]["steps"]] == [1000, 1000, 5000, 5000] and d["services"][3]["steps"][0]["weight_bp"] == 5'
expect_json 'mirror' 'd["services"][1]["steps"][3]["mirror_bp"] == 2000 and d["services"][1]["steps"][0]["mirror_bp"] == 0'
expect_json 'analysis and webhook names, null elsewhere' \
    'd["services"][1]["steps"][1]["analysis"] == "error-rate" and d["services"][1]["steps"][4]["webhook"] == "notify" and d["services"][1]["steps"][0]["analysis"] is None and d["services"][1]["steps"][0]["webhook"] is None and d["services"][1]["steps"][1]["webhook"] is None'
expect_json 'durations and timeouts' \
    'd["services"][0]["steps"][1]["duration_ms"] == 5400000 and d["services"][0]["steps"][3]["duration_ms"] == 250 and d["services"][1]["steps"][2]["timeout_ms"] == 3600000 and d["services"][1]["steps"][4]["timeout_ms"] == 10000 and d["services"][3]["steps"][1]["duration_ms"] == 300000'
expect_json 'estimate keys' \
    'all(set(s["estimate"]) == {"promote_ms", "rollback_ms", "start_ms", "finish_ms", "approvals", "unbounded"} for s in d["services"]) and set(d["estimate"]) == {"promote_ms", "rollback_ms", "approvals", "unbounded"}'
expect_json 'api estimate' \
    'd["services"][1]["estimate"] == {"promote_ms": 280000, "rollback_ms": 90000, "start_ms": 300000, "finish_ms": 580000, "approvals": True, "unbounded": False}'
expect_json 'web estimate' \
    'd["services"][0]["estimate"] == {"promote_ms": 5400250, "rollback_ms": 0, "start_ms": 580000, "finish_ms": 5980250, "approvals": False, "unbounded": False}'
expect_json 'db and cache start at once' \
    'd["services"][2]["estimate"]["start_ms"] == 0 and d["services"][2]["estimate"]["finish_ms"] == 45000 and d["services"][3]["estimate"]["start_ms"] == 0 and d["services"][3]["estimate"]["finish_ms"] == 300000'
expect_json 'convoy estimate' \
    'd["estimate"] == {"promote_ms": 5980250, "rollback_ms": 90000, "approvals": True, "unbounded": False}'

run plan --json parallel.json
expect_rc 0
expect_json 'one wave of three' 'd["waves"] == [["one", "three", "two"]] and d["max_parallel"] == 2'
expect_json 'at most two at once' \
    'sorted(s["estimate"]["start_ms"] for s in d["services"]) == [0, 0, 60000] and d["estimate"]["promote_ms"] == 120000'

run plan --json shorthand.json
expect_rc 0
expect_json 'shorthand expanded' \
    '[st["kind"] for st in d["services"][0]["steps"]] == ["set_weight", "pause", "analysis", "set_weight", "pause", "analysis"] and [st["weight_bp"] for st in d["services"][0]["steps"]] == [1000, 1000, 1000, 5000, 5000, 5000]'
expect_json 'unbounded analysis' \
    'd["services"][0]["estimate"]["unbounded"] is True and d["services"][0]["estimate"]["promote_ms"] == 240000 and d["estimate"]["unbounded"] is True and d["estimate"]["approvals"] is False'

run plan --json minimal.json
expect_rc 0
expect_json 'no steps, nulls' \
    'd["services"][0]["steps"] == [] and d["services"][0]["owner"] is None and d["services"][0]["baseline"] is None and d["waves"] == [["solo"]]'

run plan --json cohort.json
expect_rc 0
expect_json 'cohort and inherited steps' \
    '[s["cohort"] for s in d["services"]] == ["checkout-flow", "checkout-flow"] and all([st["kind"] for st in s["steps"]] == ["set_weight", "pause"] for s in d["services"])'

run plan cohort.json
expect_rc 0
expect_out '^  cohort: +checkout-flow$'

run plan --json cycle.json
expect_rc 1
expect_json 'invalid plan as validate prints it' \
    'd["valid"] is False and [e["code"] for e in d["errors"]] == ["cycle"]'

# ---------------------------------------------------------------- JSON escaping

run plan --json escape.json
expect_rc 0
expect_json 'strings round-trip' \
    'd["name"] == "say \"hi\" \\ tab\t \u00fc \u20ac \U0001F680" and d["services"][0]["owner"] == "Zo\u00eb <zoe@example.com>\n"'

export WEIRD="$TMP/we\"ird\\na"$'\t'"me.json"
cp minimal.json "$WEIRD"
run validate --json "$WEIRD" minimal.json
expect_rc 0
expect_json 'file names are escaped' '[x["file"] for x in docs] == [env["WEIRD"], "minimal.json"]'

# ---------------------------------------------------------------- summary

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
