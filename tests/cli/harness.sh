# Shared by the CLI test scripts: counters, run/expect helpers and JSON checks.
# Sourced after CONVOY, PY and TMP are set.


passed=0
failed=0
OUT=
ERR=
RC=0

# run ARGS... : run convoy, keep stdout/stderr in $TMP and $OUT/$ERR, exit in $RC
run() {
    "$CONVOY" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
    OUT=$(cat -- "$TMP/out")
    ERR=$(cat -- "$TMP/err")
    LAST="convoy $*"
}

# run_stdin FILE ARGS... : as run, with FILE on standard input
run_stdin() {
    local input=$1
    shift
    "$CONVOY" "$@" >"$TMP/out" 2>"$TMP/err" <"$input"
    RC=$?
    OUT=$(cat -- "$TMP/out")
    ERR=$(cat -- "$TMP/err")
    LAST="convoy $* < $input"
}

pass() {
    passed=$((passed + 1))
    echo "ok - $LAST: $1"
}

fail() {
    failed=$((failed + 1))
    echo "not ok - $LAST: $1"
    shift
    local line
    for line in "$@"; do
        printf '    %s\n' "$line"
    done
    printf '    exit: %s\n' "$RC"
    printf '    stdout:\n%s\n' "$(sed 's/^/      | /' "$TMP/out")"
    printf '    stderr:\n%s\n' "$(sed 's/^/      | /' "$TMP/err")"
}

expect_rc() {
    if [ "$RC" -eq "$1" ]; then pass "exit $1"; else fail "exit $1 expected"; fi
}

# expect_out REGEX : some stdout line matches the extended regex
expect_out() {
    if grep -Eq -- "$1" "$TMP/out"; then pass "stdout has /$1/"; else fail "stdout has no line matching /$1/"; fi
}

# expect_not_out REGEX : no stdout line matches
expect_not_out() {
    if grep -Eq -- "$1" "$TMP/out"; then fail "stdout has a line matching /$1/"; else pass "stdout lacks /$1/"; fi
}

# expect_err REGEX : some stderr line matches
expect_err() {
    if grep -Eq -- "$1" "$TMP/err"; then pass "stderr has /$1/"; else fail "stderr has no line matching /$1/"; fi
}

# expect_all_out REGEX : stdout is not empty and every line matches
expect_all_out() {
    if [ -s "$TMP/out" ] && ! grep -Evq -- "$1" "$TMP/out"; then
        pass "every stdout line matches /$1/"
    else
        fail "not every stdout line matches /$1/" "offending: $(grep -Ev -- "$1" "$TMP/out" | head -3)"
    fi
}

expect_out_exact() {
    if [ "$OUT" = "$1" ]; then pass "stdout is '$1'"; else fail "stdout should be exactly '$1'"; fi
}

expect_empty_out() {
    if [ ! -s "$TMP/out" ]; then pass "stdout empty"; else fail "stdout should be empty"; fi
}

expect_empty_err() {
    if [ ! -s "$TMP/err" ]; then pass "stderr empty"; else fail "stderr should be empty"; fi
}

# expect_json DESCRIPTION PYTHON-EXPR : stdout is JSON (one document, or one
# document per line); EXPR holds, with `d` the first document and `docs` all.
expect_json() {
    local msg
    if msg=$("$PY" - "$TMP/out" "$2" <<'PYEOF' 2>&1
import json, os, sys
text = open(sys.argv[1], encoding="utf-8").read()
lines = [l for l in text.splitlines() if l.strip()]
if not lines:
    sys.exit("no output")
try:
    docs = [json.loads(l) for l in lines]
except ValueError as e:
    sys.exit("not JSON (one document per line): %s" % e)
d = docs[0]
try:
    ok = eval(sys.argv[2], {"d": d, "docs": docs, "env": os.environ})
except Exception as e:  # a missing key is a failed check, not a crash
    sys.exit("%s: %r" % (type(e).__name__, e))
if not ok:
    sys.exit("false")
PYEOF
    ); then
        pass "json: $1"
    else
        fail "json: $1" "check: $2" "python: $msg"
    fi
}
