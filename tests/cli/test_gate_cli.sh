#!/usr/bin/env bash
# End-to-end tests of the gate commands of the `convoy` program: judge,
# score and criteria (REFERENCE.md sections 3 and 4 vectors).
#
# usage: test_gate_cli.sh CONVOY
#   CONVOY     the built program (e.g. build/examples/cli/convoy)
#
# Runs every check, prints "ok - ..." / "not ok - ..." per assertion and a
# final "N passed, M failed" line; exits non-zero when any assertion failed.

set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 CONVOY" >&2
    exit 2
fi
CONVOY=$(realpath -- "$1")
PY=/usr/bin/python3
HERE=$(dirname -- "$(realpath -- "$0")")

if [ ! -x "$CONVOY" ]; then
    echo "test_gate_cli.sh: $CONVOY is not an executable" >&2
    exit 2
fi

TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT
# Data files are written to TMP and named relative to it ("ctl.txt:3: ...").
cd -- "$TMP" || exit 2

# shellcheck source=harness.sh
. "$HERE/harness.sh"

# write FILE LINES... : one line each
write() {
    local f=$1
    shift
    printf '%s\n' "$@" >"$f"
}

# ---------------------------------------------------------------- data

write exp-ref.txt 10 20 30 40                  # REFERENCE.md 3: experiment
write ctl-ref.txt 1 2 3 4                      # ... and control
write exp-pass.txt 10 12.2 10.1 12.5 23
write ctl-pass.txt 20 22 21 25 30
: >empty.txt
printf '\n  \n\n' >blank.txt
write nan.txt NaN nan NAN
write ctl3.txt 1 2 3
write same.txt 5 5 5
write inf.txt 1 inf 3
write neginf.txt 1 -inf 3
printf '10\r\n\n   20  \n\t30\n\n40\n' >exp-messy.txt
write bad3.txt 1 2 abc 4
write hex.txt 1 0x10
write trailing.txt 1 '2 3'

# ---------------------------------------------------------------- help

run help
expect_rc 0
expect_out '^  judge '
expect_out '^  score '
expect_out '^  criteria '

for cmd in judge score criteria; do
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

run help judge
for opt in --control --experiment --direction --confidence --tolerance --allowed-increase \
    --allowed-decrease --critical-increase --critical-decrease --critical --must-have-data \
    --effect --nan --outliers --json; do
    expect_out "$opt"
done

run help criteria
expect_out 'Exit status: 0 pass, 1 fail, 2'

# ---------------------------------------------------------------- judge --json

JUDGE_KEYS='{"classification", "critical", "ci_lower", "ci_upper", "estimate", "effect_size", "u", "p_value"}'

# REFERENCE.md 3: [10,20,30,40] vs [1,2,3,4], confidence 0.95 -> [6, 39], 22.5
run judge --control ctl-ref.txt --experiment exp-ref.txt --confidence 0.95 --json
expect_rc 0
expect_empty_err
expect_json 'one document with exactly the keys' "len(docs) == 1 and set(d) == $JUDGE_KEYS"
expect_json 'interval [6, 39]' 'abs(d["ci_lower"] - 6) < 1e-3 and abs(d["ci_upper"] - 39) < 1e-3'
expect_json 'estimate 22.5' 'abs(d["estimate"] - 22.5) < 1e-3'
expect_json 'High (lower bound 6 > 0.25 x 22.5, mean ratio 10 >= 1)' 'd["classification"] == "High"'
expect_json 'not critical' 'd["critical"] is False'
expect_json 'mean ratio 25 / 2.5' 'abs(d["effect_size"] - 10) < 1e-9'
expect_json 'U of the experiment = 16' 'd["u"] == 16'
expect_json 'exact p = 2/70' 'abs(d["p_value"] - 2 / 70) < 1e-9'
expect_json 'numbers are numbers' \
    'all(isinstance(d[k], (int, float)) and not isinstance(d[k], bool) for k in ("ci_lower", "ci_upper", "estimate", "effect_size", "u", "p_value"))'

# The same with --name=value spelling and the default confidence (0.95).
run judge --control=ctl-ref.txt --experiment=exp-ref.txt --json
expect_rc 0
expect_json 'defaults are 0.95 / 0.25' \
    'd["classification"] == "High" and abs(d["ci_lower"] - 6) < 1e-3 and abs(d["ci_upper"] - 39) < 1e-3'

# Options in any order, experiment from standard input.
run_stdin exp-ref.txt judge --json --experiment - --control ctl-ref.txt
expect_rc 0
expect_json 'stdin experiment' 'd["classification"] == "High" and abs(d["estimate"] - 22.5) < 1e-3'

# %.17g: 2/70 needs all 17 digits.
run judge --control ctl-ref.txt --experiment exp-ref.txt --json
if grep -Eq '"p_value": [0-9.e-]{17,}' "$TMP/out"; then pass 'p_value printed with full precision'; else fail 'p_value should be printed with %.17g'; fi

# Direction: an increase is not a problem when only decreases are.
run judge --control ctl-ref.txt --experiment exp-ref.txt --direction decrease --json
expect_rc 0
expect_json 'decrease only -> Pass' 'd["classification"] == "Pass"'
run judge --control ctl-ref.txt --experiment exp-ref.txt --direction increase --json
expect_json 'increase -> High' 'd["classification"] == "High"'
# Swapped: a decrease.
run judge --control exp-ref.txt --experiment ctl-ref.txt --json
expect_json 'swapped -> Low, interval [-39, -6]' \
    'd["classification"] == "Low" and abs(d["ci_lower"] + 39) < 1e-3 and abs(d["ci_upper"] + 6) < 1e-3 and abs(d["estimate"] + 22.5) < 1e-3'
run judge --control exp-ref.txt --experiment ctl-ref.txt --direction increase --json
expect_json 'swapped, increase only -> Pass' 'd["classification"] == "Pass"'

# Effect-size limits: a mean ratio of 10 is below an allowed increase of 11.
run judge --control ctl-ref.txt --experiment exp-ref.txt --allowed-increase 11 --json
expect_json 'allowed increase 11 -> Pass' 'd["classification"] == "Pass"'
# Tolerance: b = 0.3 x 22.5 = 6.75 > lower bound 6 -> Pass.
run judge --control ctl-ref.txt --experiment exp-ref.txt --tolerance 0.3 --json
expect_json 'tolerance 0.3 -> Pass' 'd["classification"] == "Pass"'

# Critical.
run judge --control ctl-ref.txt --experiment exp-ref.txt --critical --critical-increase 5 --json
expect_json 'critical beyond 5 -> flagged' 'd["classification"] == "High" and d["critical"] is True'
run judge --control ctl-ref.txt --experiment exp-ref.txt --critical --critical-increase 20 --json
expect_json 'within critical 20 -> not flagged' 'd["classification"] == "High" and d["critical"] is False'
run judge --control ctl-ref.txt --experiment exp-ref.txt --critical-increase 5 --json
expect_json 'not a critical metric -> never flagged' 'd["critical"] is False'

# CLES effect size: P(experiment > control) = 1.
run judge --control ctl-ref.txt --experiment exp-ref.txt --effect cles --json
expect_rc 0
expect_json 'cles = 1' 'abs(d["effect_size"] - 1) < 1e-12 and d["classification"] == "High"'

# REFERENCE.md 3: the 5-vs-5 vector, tolerance 0.10, allowed (0.5, 1.0) -> Pass
run judge --control ctl-pass.txt --experiment exp-pass.txt --tolerance 0.10 --confidence 0.95 \
    --allowed-decrease 0.5 --allowed-increase 1.0 --json
expect_rc 0
expect_empty_err
expect_json 'Pass' 'd["classification"] == "Pass" and d["critical"] is False'
expect_json 'mean ratio 13.56 / 23.6' 'abs(d["effect_size"] - 13.56 / 23.6) < 1e-9'
expect_json 'an interval and estimate' \
    'd["ci_lower"] is not None and d["ci_upper"] is not None and d["ci_lower"] <= d["estimate"] <= d["ci_upper"]'

# Empty experiment -> Nodata; nothing to compute.
run judge --control ctl3.txt --experiment empty.txt --json
expect_rc 0
expect_json 'empty experiment -> Nodata' "set(d) == $JUDGE_KEYS and d[\"classification\"] == \"Nodata\""
expect_json 'null interval and estimate' \
    'd["ci_lower"] is None and d["ci_upper"] is None and d["estimate"] is None'
run judge --control ctl3.txt --experiment blank.txt --json
expect_json 'blank lines only -> Nodata' 'd["classification"] == "Nodata"'
run judge --control empty.txt --experiment ctl3.txt --json
expect_json 'empty control -> Nodata' 'd["classification"] == "Nodata"'
run judge --control ctl3.txt --experiment empty.txt --must-have-data --json
expect_json '--must-have-data -> NodataFail' 'd["classification"] == "NodataFail"'

# NaN samples are removed by default: all NaN -> Nodata.
run judge --control ctl3.txt --experiment nan.txt --json
expect_rc 0
expect_json 'NaN only -> Nodata' 'd["classification"] == "Nodata"'
run judge --control ctl3.txt --experiment nan.txt --nan remove --json
expect_json '--nan remove -> Nodata' 'd["classification"] == "Nodata"'
run judge --control ctl3.txt --experiment nan.txt --nan replace --json
expect_rc 0
expect_json '--nan replace -> judged' 'd["classification"] != "Nodata"'

# Identical samples -> Pass.
run judge --control same.txt --experiment same.txt --json
expect_json 'identical -> Pass' 'd["classification"] == "Pass"'

# Infinite samples -> Error (judged, exit 0).
run judge --control ctl3.txt --experiment inf.txt --json
expect_rc 0
expect_json 'inf -> Error' 'd["classification"] == "Error"'
run judge --control neginf.txt --experiment ctl3.txt --json
expect_rc 0
expect_json '-inf -> Error' 'd["classification"] == "Error"'

# Blank lines, CRLF and surrounding blanks are fine.
run judge --control ctl-ref.txt --experiment exp-messy.txt --json
expect_rc 0
expect_json 'messy file = [10,20,30,40]' 'abs(d["estimate"] - 22.5) < 1e-3'

# Outlier removal keeps these samples (no outliers).
run judge --control ctl-ref.txt --experiment exp-ref.txt --outliers remove --json
expect_rc 0
expect_json 'no outliers to remove' 'd["classification"] == "High"'

# ---------------------------------------------------------------- judge, text

run judge --control ctl-ref.txt --experiment exp-ref.txt
expect_rc 0
expect_empty_err
expect_out '^classification: +High$'
expect_out '^critical: +no$'
expect_out '^interval: +\[[0-9.]+, [0-9.]+\] \(95% confidence'
expect_out '^estimate: +22\.5'
expect_out '^effect size: +10 \(mean ratio\)$'
if [ "$(wc -l <"$TMP/out")" -ge 6 ]; then pass 'multi-line summary'; else fail 'a multi-line summary expected'; fi

run judge --control ctl3.txt --experiment empty.txt
expect_rc 0
expect_out '^classification: +Nodata$'
expect_out '^estimate: +n/a$'

# ---------------------------------------------------------------- judge errors

run judge --control ctl3.txt --experiment bad3.txt --json
expect_rc 1
expect_err '^convoy: bad3\.txt:3: '
expect_empty_out

run judge --control hex.txt --experiment ctl3.txt
expect_rc 1
expect_err '^convoy: hex\.txt:2: '

run judge --control ctl3.txt --experiment trailing.txt
expect_rc 1
expect_err '^convoy: trailing\.txt:2: '

run judge --control does-not-exist.txt --experiment ctl3.txt
expect_rc 1
expect_err '^convoy: does-not-exist\.txt: '
expect_empty_out

run judge --experiment ctl3.txt
expect_rc 1
expect_err '--control'
expect_err '^usage: convoy judge'

run judge --control ctl3.txt
expect_rc 1
expect_err '--experiment'

run judge --control ctl3.txt --experiment ctl3.txt --frobnicate
expect_rc 1
expect_err "unknown option '--frobnicate'"

run judge --control ctl3.txt --experiment ctl3.txt extra
expect_rc 1
expect_err '^usage: convoy judge'

run judge --control ctl3.txt --experiment ctl3.txt --direction sideways
expect_rc 1
expect_err 'either[|]increase[|]decrease'

run judge --control ctl3.txt --experiment ctl3.txt --effect median
expect_rc 1
run judge --control ctl3.txt --experiment ctl3.txt --nan drop
expect_rc 1
run judge --control ctl3.txt --experiment ctl3.txt --outliers trim
expect_rc 1
run judge --control ctl3.txt --experiment ctl3.txt --confidence high
expect_rc 1
expect_err '--confidence'
run judge --control ctl3.txt --experiment ctl3.txt --tolerance
expect_rc 1
expect_err '--tolerance'
run judge --control - --experiment -
expect_rc 1

# ---------------------------------------------------------------- score

# score_file NAME JSON : write a score input
score_file() {
    printf '%s\n' "$2" >"$1"
}

# REFERENCE.md 3: groups {Pass, High} unweighted -> 50
score_file two-groups.json '{"pass": 95, "marginal": 75, "metrics": [
  {"name": "p99", "groups": ["latency"], "classification": "Pass", "critical": false},
  {"name": "errors", "groups": ["errors"], "classification": "High", "critical": false}]}'
run score --json two-groups.json
expect_rc 0
expect_empty_err
expect_json 'exactly score and label' 'len(docs) == 1 and set(d) == {"score", "label"}'
expect_json '{Pass, High} unweighted -> 50, Fail' 'd["score"] == 50 and d["label"] == "Fail"'

score_file one-group.json '{"pass": 95, "marginal": 75, "metrics": [
  {"name": "a", "groups": ["g"], "classification": "Pass"},
  {"name": "b", "groups": ["g"], "classification": "High"}]}'
run score one-group.json --json
expect_rc 0
expect_json 'one group {Pass, High} -> 50' 'd == {"score": 50, "label": "Fail"}'

score_file all-pass.json '{"pass": 95, "marginal": 75, "group_weights": {"g": 60}, "metrics": [
  {"name": "a", "groups": ["g"], "classification": "Pass", "critical": true},
  {"name": "b", "groups": ["h"], "classification": "Pass"}]}'
run score --json all-pass.json
expect_json 'all Pass -> 100, Pass' 'd == {"score": 100, "label": "Pass"}'

score_file marginal.json '{"pass": 95, "marginal": 75, "metrics": [
  {"name": "a", "groups": ["g"], "classification": "Pass"},
  {"name": "b", "groups": ["g"], "classification": "Pass"},
  {"name": "c", "groups": ["g"], "classification": "Pass"},
  {"name": "d", "groups": ["g"], "classification": "Low"}]}'
run score --json marginal.json
expect_json '3 of 4 -> 75, Marginal (inclusive)' 'd == {"score": 75, "label": "Marginal"}'

score_file weighted.json '{"pass": 95, "marginal": 75, "group_weights": {"latency": 60, "errors": 40},
  "metrics": [
  {"name": "p99", "groups": ["latency"], "classification": "Pass"},
  {"name": "5xx", "groups": ["errors"], "classification": "Pass"},
  {"name": "4xx", "groups": ["errors"], "classification": "High"}]}'
run score --json weighted.json
expect_json '60 x 1 + 40 x 0.5 = 80' 'd == {"score": 80, "label": "Marginal"}'

score_file share.json '{"pass": 80, "marginal": 50, "group_weights": {"a": 60}, "metrics": [
  {"name": "m1", "groups": ["a"], "classification": "Pass"},
  {"name": "m2", "groups": ["b"], "classification": "Low"},
  {"name": "m3", "groups": ["c"], "classification": "Pass"}]}'
run score --json share.json
expect_json 'unweighted b, c share 40: 60 + 0 + 20 = 80 -> Pass' 'd == {"score": 80, "label": "Pass"}'

score_file thirds.json '{"pass": 95, "marginal": 75, "metrics": [
  {"name": "a", "groups": ["g"], "classification": "Pass"},
  {"name": "b", "groups": ["g"], "classification": "High"},
  {"name": "c", "groups": ["g"], "classification": "NodataFail"},
  {"name": "d", "groups": ["g"], "classification": "Error"}]}'
run score --json thirds.json
expect_json '1 of 3 counted (Error not counted) -> 33.33' 'abs(d["score"] - 33.33) < 1e-9 and d["label"] == "Fail"'

score_file critical.json '{"pass": 95, "marginal": 75, "metrics": [
  {"name": "a", "groups": ["g"], "classification": "Pass"},
  {"name": "b", "groups": ["g"], "classification": "Pass"},
  {"name": "c", "groups": ["h"], "classification": "High", "critical": true}]}'
run score --json critical.json
expect_json 'critical metric not Pass -> 0' 'd == {"score": 0, "label": "Fail"}'

score_file nodata.json '{"pass": 95, "marginal": 75, "metrics": [
  {"name": "a", "groups": ["g"], "classification": "Pass"},
  {"name": "b", "groups": ["g"], "classification": "Nodata"}]}'
run score --json nodata.json
expect_json 'Nodata in half -> 0' 'd == {"score": 0, "label": "Fail"}'

run_stdin two-groups.json score --json -
expect_rc 0
expect_json 'stdin' 'd["score"] == 50'

# Text: the library's explain table.
run score two-groups.json
expect_rc 0
expect_empty_err
expect_out 'latency'
expect_out 'errors'
expect_out '50'
expect_out 'Fail'

# Errors: clear messages, exit 1.
score_file syntax.json '{"pass": 95,
  "marginal": 75 "metrics": []}'
run score syntax.json
expect_rc 1
expect_err '^convoy: syntax\.json: 2:[0-9]+: '
expect_empty_out

score_file missing.json '{"pass": 95, "marginal": 75}'
run score missing.json
expect_rc 1
expect_err "^convoy: missing\.json: .*'metrics' is required"

score_file not-object.json '[1, 2]'
run score not-object.json
expect_rc 1
expect_err 'object was expected'

score_file bad-pass.json '{"pass": "95", "marginal": 75, "metrics": []}'
run score bad-pass.json
expect_rc 1
expect_err 'pass: a number was expected, not a string'

score_file bad-class.json '{"pass": 95, "marginal": 75, "metrics": [{"name": "a", "groups": ["g"], "classification": "Passed"}]}'
run score bad-class.json
expect_rc 1
expect_err 'metrics\[0\]: classification: .*"Passed"'

score_file class-type.json '{"pass": 95, "marginal": 75, "metrics": [{"name": "a", "classification": 1}]}'
run score class-type.json
expect_rc 1
expect_err 'metrics\[0\]: classification'

score_file groups-type.json '{"pass": 95, "marginal": 75, "metrics": [{"name": "a", "groups": "g", "classification": "Pass"}]}'
run score groups-type.json
expect_rc 1
expect_err 'metrics\[0\]: groups: an array was expected'

score_file group-type.json '{"pass": 95, "marginal": 75, "metrics": [
  {"name": "a", "groups": ["g"], "classification": "Pass"},
  {"name": "b", "groups": ["g", 7], "classification": "Pass"}]}'
run score group-type.json
expect_rc 1
expect_err 'metrics\[1\]: groups\[1\]: a string was expected'

score_file critical-type.json '{"pass": 95, "marginal": 75, "metrics": [{"name": "a", "classification": "Pass", "critical": "yes"}]}'
run score critical-type.json
expect_rc 1
expect_err 'critical: a boolean was expected'

score_file no-name.json '{"pass": 95, "marginal": 75, "metrics": [{"classification": "Pass"}]}'
run score no-name.json
expect_rc 1
expect_err "'name' is required"

score_file unknown-key.json '{"pass": 95, "marginal": 75, "metrics": [], "thresholds": {}}'
run score unknown-key.json
expect_rc 1
expect_err "unknown key 'thresholds'"

score_file metric-key.json '{"pass": 95, "marginal": 75, "metrics": [{"name": "a", "classification": "Pass", "group": "g"}]}'
run score metric-key.json
expect_rc 1
expect_err "metrics\[0\]: unknown key 'group'"

score_file weight-type.json '{"pass": 95, "marginal": 75, "group_weights": {"g": "60"}, "metrics": [{"name": "a", "groups": ["g"], "classification": "Pass"}]}'
run score weight-type.json
expect_rc 1
expect_err 'group_weights: g: a number was expected'

score_file weights-over.json '{"pass": 95, "marginal": 75, "group_weights": {"a": 60, "b": 50}, "metrics": [
  {"name": "m1", "groups": ["a"], "classification": "Pass"},
  {"name": "m2", "groups": ["b"], "classification": "Pass"}]}'
run score weights-over.json
expect_rc 1
expect_err '^convoy: weights-over\.json: .+'
expect_empty_out

score_file weight-negative.json '{"pass": 95, "marginal": 75, "group_weights": {"a": -10}, "metrics": [
  {"name": "m1", "groups": ["a"], "classification": "Pass"}]}'
run score weight-negative.json
expect_rc 1

score_file weight-unused.json '{"pass": 95, "marginal": 75, "group_weights": {"nobody": 10}, "metrics": [
  {"name": "m1", "groups": ["a"], "classification": "Pass"}]}'
run score weight-unused.json
expect_rc 1

score_file duplicate.json '{"pass": 95, "pass": 90, "marginal": 75, "metrics": []}'
run score duplicate.json
expect_rc 1
expect_err "duplicate key 'pass'"

run score does-not-exist.json
expect_rc 1
expect_err '^convoy: does-not-exist\.json: '

run score
expect_rc 1
expect_err '^usage: convoy score'

run score two-groups.json one-group.json
expect_rc 1
expect_err '^usage: convoy score'

run score --frobnicate two-groups.json
expect_rc 1
expect_err "unknown option '--frobnicate'"

# ---------------------------------------------------------------- criteria

# REFERENCE.md 4, Keptn: value 10, history [10]: "<=+10%" passes
run criteria '<=+10%' --value 10 --history 10
expect_rc 0
expect_out_exact 'pass'
expect_empty_err

# ... and 16 with "<=15" fails
run criteria '<=15' --value 16 --history 10
expect_rc 1
expect_out_exact 'fail'
expect_empty_err

run criteria '<=15' --value 16
expect_rc 1
expect_out_exact 'fail'

run criteria '<=+10%' --value 16 --history 10
expect_rc 1
expect_out_exact 'fail'

run criteria '<=20' --value 16
expect_rc 0
expect_out_exact 'pass'

# Every operator.
for c in '<17' '<=16' '=16' '>=16' '>15'; do
    run criteria "$c" --value 16
    expect_rc 0
    expect_out_exact 'pass'
done
for c in '<16' '<=15.9' '=16.1' '>=16.1' '>16'; do
    run criteria "$c" --value 16
    expect_rc 1
    expect_out_exact 'fail'
done

# Relative forms against avg(8, 12) = 10.
run criteria '<=+10%' --value 11 --history 8,12
expect_rc 0
run criteria '<=+10%' --value 11.1 --history 8,12
expect_rc 1
run criteria '>=-5%' --value 9.5 --history '8, 12'
expect_rc 0
run criteria '>=-5%' --value 9.4 --history 8,12
expect_rc 1
run criteria '<+2' --value 11.9 --history 8,12
expect_rc 0
run criteria '<+2' --value 12 --history 8,12
expect_rc 1
run criteria '>-2' --value 8.1 --history 8,12
expect_rc 0
run criteria '>-2' --value 8 --history 8,12
expect_rc 1

# Spaces are ignored.
run criteria ' <= +10 % ' --value 11 --history 10
expect_rc 0
expect_out_exact 'pass'
run criteria '>= 5' --value 4.5
expect_rc 1
expect_out_exact 'fail'

# Without history (or an empty one) a relative criterion passes.
run criteria '<=+10%' --value 1000000
expect_rc 0
expect_out_exact 'pass'
run criteria '<=+10%' --value 1000000 --history ''
expect_rc 0
run criteria '<=+10%' --value 1000000 --history NaN,nan
expect_rc 0

# Aggregates of 1..10: avg 5.5, p90 9.9, p95 10.
HIST=1,2,3,4,5,6,7,8,9,10
run criteria '<=+0%' --value 9.8 --history "$HIST"
expect_rc 1
run criteria '<=+0%' --value 9.8 --history "$HIST" --aggregate avg
expect_rc 1
run criteria '<=+0%' --value 5.5 --history "$HIST" --aggregate avg
expect_rc 0
run criteria '<=+0%' --value 9.8 --history "$HIST" --aggregate p90
expect_rc 0
run criteria '<=+0%' --value 10 --history "$HIST" --aggregate p90
expect_rc 1
run criteria '<=+0%' --value 10 --history "$HIST" --aggregate p95
expect_rc 0
run criteria '<=+0%' --value 5.5 --history "$HIST" --aggregate p50
expect_rc 0
run criteria '<=+0%' --value 5.6 --history "$HIST" --aggregate=p50
expect_rc 1

# A NaN value fails.
run criteria '<=10' --value NaN
expect_rc 1
expect_out_exact 'fail'
run criteria '<=+10%' --value nan
expect_rc 1

# Options before the criterion; --value=V; negative values.
run criteria --value=-3 '<0'
expect_rc 0
run criteria --value -3 '>0'
expect_rc 1

# Malformed criteria: exit 2 with the position.
run criteria '<=abc' --value 1
expect_rc 2
expect_err 'column 3'
expect_empty_out
run criteria '=>5' --value 1
expect_rc 2
expect_err 'column 2'
run criteria '10' --value 1
expect_rc 2
expect_err 'column 1'
run criteria '' --value 1
expect_rc 2
expect_err 'column 1'
run criteria '<=10x' --value 1 --history 1,2
expect_rc 2
expect_err 'column 5'
expect_err '^  <=10x$'
expect_err '^      \^'

# Usage errors are 2 as well: never taken for a failed check.
run criteria --value 1
expect_rc 2
expect_err '^usage: convoy criteria'
run criteria '<1'
expect_rc 2
expect_err '--value'
run criteria '<1' --value abc
expect_rc 2
run criteria '<1' --value
expect_rc 2
run criteria '<1' --value 0 --history 1,x
expect_rc 2
run criteria '<1' --value 0 --history 1,,2
expect_rc 2
run criteria '<1' --value 0 --aggregate p99
expect_rc 2
expect_err 'avg[|]p50[|]p90[|]p95'
run criteria '<1' '<2' --value 0
expect_rc 2
run criteria '<1' --value 0 --frobnicate
expect_rc 2
expect_err "unknown option '--frobnicate'"

# ---------------------------------------------------------------- summary

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
