#!/usr/bin/env bash
# End-to-end tests of the traffic commands: convoy weights, route, render.
#
# usage: test_traffic_cli.sh CONVOY [PLANS_DIR [EXAMPLE_PLANS_DIR]]
#   CONVOY             the built program (e.g. build/examples/cli/convoy)
#   PLANS_DIR          the test plans (default: plans/ next to this script)
#   EXAMPLE_PLANS_DIR  examples/plans (shop.json), default found from here
#
# Prints "ok - ..." / "not ok - ..." per assertion and a final
# "N passed, M failed" line; exits non-zero when any assertion failed.

set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 CONVOY [PLANS_DIR [EXAMPLE_PLANS_DIR]]" >&2
    exit 2
fi
HERE=$(dirname -- "$(realpath -- "$0")")
CONVOY=$(realpath -- "$1")
PLANS=$(realpath -- "${2:-$HERE/plans}")
EXAMPLES=$(realpath -- "${3:-$HERE/../../examples/plans}")
PY=/usr/bin/python3

if [ ! -x "$CONVOY" ]; then
    echo "test_traffic_cli.sh: $CONVOY is not an executable" >&2
    exit 2
fi

TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT
cd -- "$PLANS" || exit 2
cp -- "$EXAMPLES/shop.json" "$TMP/shop.json" || exit 2
SHOP=$TMP/shop.json

# shellcheck source=harness.sh
. "$HERE/harness.sh"

# An independent model of Convoy's bucketing (traffic.h: convoy_bucket), for
# expect_json checks: env["MODEL"] is exec'ed to define bucket(group, key).
cat >"$TMP/model.py" <<'PYEOF'
def murmur3_32(data, seed=0):
    c1, c2 = 0xcc9e2d51, 0x1b873593
    h = seed & 0xffffffff
    n = len(data)
    for i in range(0, n - n % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * c1) & 0xffffffff
        k = ((k << 15) | (k >> 17)) & 0xffffffff
        k = (k * c2) & 0xffffffff
        h ^= k
        h = ((h << 13) | (h >> 19)) & 0xffffffff
        h = (h * 5 + 0xe6546b64) & 0xffffffff
    tail = data[n - n % 4:]
    k = 0
    for i, b in enumerate(tail):
        k |= b << (8 * i)
    if tail:
        k = (k * c1) & 0xffffffff
        k = ((k << 15) | (k >> 17)) & 0xffffffff
        k = (k * c2) & 0xffffffff
        h ^= k
    h ^= n
    h ^= h >> 16
    h = (h * 0x85ebca6b) & 0xffffffff
    h ^= h >> 13
    h = (h * 0xc2b2ae35) & 0xffffffff
    h ^= h >> 16
    return h

def bucket(group, key):
    h = murmur3_32((group + ":" + key).encode("utf-8"))
    return (h % 100) * 100 + (h // 100) % 100 + 1

# Published MurmurHash3 x86_32 values: the model itself is right.
assert murmur3_32(b"") == 0
assert murmur3_32(b"", 1) == 0x514E28B7
assert murmur3_32(b"hello") == 0x248BFA47
assert murmur3_32(b"Hello, world!", 1234) == 0xFAF6CDB3
assert murmur3_32(b"The quick brown fox jumps over the lazy dog") == 0x2E4FF723
PYEOF
export MODEL
MODEL=$(cat "$TMP/model.py")
# Python expression prefix that defines bucket() for expect_json.
B='(exec(env["MODEL"], g := {}) or True) and '
# Python expression prefix that defines has_split(doc, share): somewhere in
# doc a list of objects with "weight" keys gives one of them that share.
SPLIT='(lists := lambda o: ([o] if isinstance(o, list) else []) + sum((lists(v) for v in (o.values() if isinstance(o, dict) else o if isinstance(o, list) else [])), [])) and (has_split := lambda doc, share: any(len(l) >= 2 and all(isinstance(x, dict) and isinstance(x.get("weight"), int) for x in l) and sum(x["weight"] for x in l) > 0 and any(abs(x["weight"] / sum(y["weight"] for y in l) - share) < 0.005 for x in l) for l in lists(doc))) and '

# compact_out : rewrite a pretty-printed JSON stdout as one line, so that
# expect_json (one document per line) reads it; left alone when not JSON.
compact_out() {
    "$PY" - "$TMP/out" <<'PYEOF' 2>/dev/null
import json, sys
try:
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
except ValueError:
    sys.exit(0)
open(sys.argv[1], "w", encoding="utf-8").write(json.dumps(doc) + "\n")
PYEOF
}

# expect_same FILE_A FILE_B WHAT : two outputs are byte-identical
expect_same() {
    if cmp -s -- "$1" "$2"; then pass "$3"; else fail "$3" "$(diff -- "$1" "$2" | head -5)"; fi
}

# ================================================================ help

run help
expect_rc 0
expect_out '^  weights PLAN'
expect_out '^  route PLAN'
expect_out '^  render PLAN'

for cmd in weights route render; do
    run help "$cmd"
    expect_rc 0
    expect_out "^usage: convoy $cmd "
    expect_out '^Example'
    expect_empty_err

    run "$cmd" --help
    expect_rc 0
    expect_out "^usage: convoy $cmd "
done

run help route
expect_out -- '--bulk FILE'
expect_out -- '--header NAME=VALUE'
run help render
expect_out 'gateway-api'
expect_out -- '--skip-unsupported'
run help weights
expect_out 'numbered from 0'

# ================================================================ weights

run weights "$SHOP" --service checkout
expect_rc 0
expect_empty_err
expect_out '^service checkout$'
expect_out '^ +# +kind +baseline +candidate$'
expect_out '^ +0 +webhook +100% +0%$'
expect_out '^ +1 +set_weight +87\.5% +12\.5%$'
expect_out '^ +2 +pause +87\.5% +12\.5%$'
expect_out '^ +4 +set_weight +75% +25%$'
expect_out '^ +9 +pause +25% +75%$'
expect_not_out '^service frontend'
expect_not_out 'mirror'
if [ "$(grep -Ec '^ +[0-9]+ ' "$TMP/out")" -eq 10 ]; then pass "ten step rows"; else fail "ten step rows expected"; fi

run weights "$SHOP" --service frontend
expect_rc 0
expect_out '^ +# +kind +baseline +candidate +mirror$'
expect_out '^ +0 +set_mirror +100% +0% +20%$'
expect_out '^ +2 +set_weight +90% +10% +20%$'
expect_out '^ +9 +set_weight +20% +80% +20%$'

run weights "$SHOP"
expect_rc 0
expect_out '^service frontend$'
expect_out '^service ledger$'
if [ "$(grep -E '^service ' "$TMP/out" | tr '\n' ' ')" = "service frontend service checkout service payments service inventory service ledger " ]; then
    pass "services in plan order"
else
    fail "services in plan order"
fi

run weights --json "$SHOP" --service checkout
expect_rc 0
expect_empty_err
expect_json 'only checkout' 'list(d) == ["services"] and list(d["services"]) == ["checkout"]'
expect_json 'checkout step 1 is 1250' \
    'd["services"]["checkout"][1] == {"step": 1, "baseline": 8750, "candidate": 1250}'
expect_json 'checkout schedule' \
    '[s["candidate"] for s in d["services"]["checkout"]] == [0, 1250, 1250, 1250, 2500, 2500, 5000, 5000, 7500, 7500]'
expect_json 'steps numbered from 0, baseline = 10000 - candidate, no mirror key' \
    'all(s["step"] == i and s["baseline"] + s["candidate"] == 10000 and set(s) == {"step", "baseline", "candidate"} for i, s in enumerate(d["services"]["checkout"]))'
expect_json 'integers' 'all(type(v) is int for s in d["services"]["checkout"] for v in s.values())'

run weights "$SHOP" --json
expect_rc 0
expect_json 'services in plan order' \
    'list(d["services"]) == ["frontend", "checkout", "payments", "inventory", "ledger"]'
expect_json 'frontend mirror 2000 from step 0' \
    'd["services"]["frontend"][0] == {"step": 0, "baseline": 10000, "candidate": 0, "mirror": 2000} and all(s["mirror"] == 2000 for s in d["services"]["frontend"])'
expect_json 'frontend schedule' \
    '[s["candidate"] for s in d["services"]["frontend"]] == [0, 0, 1000, 1000, 3000, 3000, 3000, 5500, 5500, 8000]'
expect_json 'payments step count and last weight' \
    'len(d["services"]["payments"]) == 11 and d["services"]["payments"][-1]["candidate"] == 7500'

# The plan's step table and the weights agree (same numbering).
run plan --json "$SHOP"
cp -- "$TMP/out" "$TMP/plan.json"
run weights --json "$SHOP"
export PLANJSON=$TMP/plan.json
expect_json 'weights agree with convoy plan step numbering' \
    'all([(st["index"], st["weight_bp"]) for st in s["steps"]] == [(w["step"], w["candidate"]) for w in d["services"][s["name"]]] for s in __import__("json").load(open(env["PLANJSON"]))["services"])'

# Flagger shorthand gives the same schedule as the explicit steps.
run weights --json traffic-shorthand.json
expect_rc 0
cp -- "$TMP/out" "$TMP/short.json"
expect_json 'shorthand ladder' \
    '[s["candidate"] for s in d["services"]["search"]] == [1000, 1000, 2000, 2000, 3000, 3000]'
run weights --json traffic-explicit.json
expect_rc 0
expect_same "$TMP/out" "$TMP/short.json" "shorthand and explicit plans give identical weights --json"
run weights traffic-shorthand.json
cp -- "$TMP/out" "$TMP/short.txt"
run weights traffic-explicit.json
expect_same "$TMP/out" "$TMP/short.txt" "shorthand and explicit plans give identical tables"

# Cohorts move in lockstep; a service without steps.
run weights --json traffic-cohort.json
expect_rc 0
expect_json 'cohort members have one schedule' \
    'd["services"]["cart"] == d["services"]["payments"] and [(s["candidate"], s.get("mirror", 0)) for s in d["services"]["cart"]] == [(2000, 0), (2000, 5000), (2000, 5000), (4000, 5000)]'
run weights traffic-cohort.json --service cart
expect_out '^service cart \(cohort checkout-flow\)$'

run weights --json minimal.json
expect_rc 0
expect_json 'no steps: empty list' 'd == {"services": {"solo": []}}'
run weights minimal.json
expect_out '^service solo$'
expect_out 'no steps'

run_stdin "$SHOP" weights - --service ledger --json
expect_rc 0
expect_json 'plan on stdin' 'list(d["services"]) == ["ledger"]'

# Errors.
run weights "$SHOP" --service chekout
expect_rc 1
expect_empty_out
expect_err "no service 'chekout'"
expect_err "did you mean 'checkout'"

run weights "$SHOP" --service zzzzzzzzzzzz --json
expect_rc 1
expect_empty_out
expect_err "no service 'zzzzzzzzzzzz'.*frontend, checkout, payments, inventory, ledger"

run weights
expect_rc 1
expect_err '^usage: convoy weights'

run weights "$SHOP" --step 1
expect_rc 1
expect_err "unknown option '--step'"

run weights "$SHOP" minimal.json
expect_rc 1
expect_err 'one plan at a time'

run weights cycle.json
expect_rc 1
expect_empty_out
expect_err '^cycle\.json:[0-9]+:[0-9]+: .*\[cycle\]$'

run weights does-not-exist.json
expect_rc 1
expect_err '^convoy: does-not-exist\.json: .+'

run weights policy.json
expect_rc 1
run weights --no-policies policy.json --json
expect_rc 0

# ================================================================ route: rules

run route "$SHOP" --service frontend --weight 0 --header x-canary=always --json
expect_rc 0
expect_empty_err
expect_json 'x-canary: always -> candidate by rule canary-header at weight 0' \
    'd["variant"] == "candidate" and d["rule"] == "canary-header"'
expect_json 'first three keys in order' 'list(d)[:3] == ["variant", "rule", "bucket"]'
expect_json 'bucket in 1..10000' 'type(d["bucket"]) is int and 1 <= d["bucket"] <= 10000'

run route "$SHOP" --service frontend --weight 100 --header User-Agent=Googlebot --json
expect_rc 0
expect_json 'crawler -> baseline by rule crawlers at weight 100 (header names case-insensitive)' \
    'd["variant"] == "baseline" and d["rule"] == "crawlers"'

run route "$SHOP" --service frontend --weight 100 --header x-canary=sometimes --json
expect_rc 0
expect_json 'no rule matches: weights decide' 'd["variant"] == "candidate" and d["rule"] is None'

run route "$SHOP" --service frontend --weight 0 --header x-canary=always
expect_rc 0
expect_out '^candidate \(rule canary-header; bucket [0-9]+, '
if [ "$(wc -l <"$TMP/out")" -eq 1 ]; then pass "text mode: one line"; else fail "text mode: one line"; fi

run route "$SHOP" --service frontend --weight 10 --key alice
expect_rc 0
expect_all_out '^(candidate|baseline) \(bucket [0-9]+ (<=|>) candidate weight 10%; sticky key\)$'

# ================================================================ route: buckets

run route "$SHOP" --service frontend --weight 50 --key alice --json
expect_rc 0
expect_json 'bucket of "frontend:alice" as the model computes it' \
    "${B}"'d["bucket"] == g["bucket"]("frontend", "alice") and d["key_source"] == "sticky"'
expect_json 'variant follows the bucket' \
    "${B}"'d["variant"] == ("candidate" if g["bucket"]("frontend", "alice") <= 5000 else "baseline")'

# The plan's sticky cookie, the Cookie header and --key give one bucket.
run route "$SHOP" --service frontend --weight 50 --key u42 --json
cp -- "$TMP/out" "$TMP/u42.json"
expect_json 'bucket of u42' "${B}"'d["bucket"] == g["bucket"]("frontend", "u42")'
run route "$SHOP" --service frontend --weight 50 --key u42 --json
expect_same "$TMP/out" "$TMP/u42.json" "same key, same answer on a second call"
run route "$SHOP" --service frontend --weight 50 --cookie shop_session=u42 --json
expect_same "$TMP/out" "$TMP/u42.json" "sticky cookie gives the key's answer"
run route "$SHOP" --service frontend --weight 50 --header 'Cookie=theme=dark; shop_session=u42' --json
expect_same "$TMP/out" "$TMP/u42.json" "sticky cookie found in the Cookie header"

run route "$SHOP" --service frontend --weight 50 --request-id r-17 --json
expect_rc 0
expect_json 'no sticky key: the request id' \
    "${B}"'d["key_source"] == "request_id" and d["bucket"] == g["bucket"]("frontend", "r-17")'
run route "$SHOP" --service frontend --weight 50 --json
expect_json 'no key at all: the empty key' \
    "${B}"'d["key_source"] == "none" and d["bucket"] == g["bucket"]("frontend", "")'

# Cohort members bucket by the cohort name, identically.
run route traffic-cohort.json --service cart --weight 30 --header x-user-id=k9 --json
expect_rc 0
cp -- "$TMP/out" "$TMP/cart.json"
expect_json 'cohort group' "${B}"'d["bucket"] == g["bucket"]("checkout-flow", "k9") and d["key_source"] == "sticky"'
run route traffic-cohort.json --service payments --weight 30 --header x-user-id=k9 --json
expect_same "$TMP/out" "$TMP/cart.json" "cohort members route one user the same way"
run route traffic-cohort.json --service search --weight 30 --request-id k9 --json
expect_json 'service without a cohort buckets by its name' \
    "${B}"'d["bucket"] == g["bucket"]("search", "k9")'

# Weight 0 and 100, and monotonic growth, over 200 keys (one by one for a
# few, --bulk for all: the two must agree, see the bulk section).
for k in k1 k2 k3 k4 k5; do
    run route "$SHOP" --service frontend --weight 0 --key "$k" --json
    expect_json "weight 0: $k on baseline" 'd["variant"] == "baseline" and d["rule"] is None'
    run route "$SHOP" --service frontend --weight 100 --key "$k" --json
    expect_json "weight 100: $k on candidate" 'd["variant"] == "candidate" and d["rule"] is None'
done

for i in $(seq 1 200); do printf '{"key": "user-%d"}\n' "$i"; done >"$TMP/keys.jsonl"
for w in 0 10 20 30 100; do
    run route "$SHOP" --service frontend --weight "$w" --bulk "$TMP/keys.jsonl"
    expect_rc 0
    cp -- "$TMP/out" "$TMP/w$w.jsonl"
done
export W0=$TMP/w0.jsonl W10=$TMP/w10.jsonl W20=$TMP/w20.jsonl W30=$TMP/w30.jsonl W100=$TMP/w100.jsonl
LOADW='(R := {w: [__import__("json").loads(l) for l in open(env["W%d" % w])] for w in (0, 10, 20, 30, 100)}) and '
LAST="route --bulk, 200 keys at 0/10/20/30/100 %"
expect_json '200 results per weight' "${LOADW}"'all(len(R[w]) == 200 for w in R)'
expect_json 'weight 0: all baseline; 100: all candidate' \
    "${LOADW}"'all(r["variant"] == "baseline" for r in R[0]) and all(r["variant"] == "candidate" for r in R[100])'
expect_json 'monotonic: 10% users stay in at 20% and 30%' \
    "${LOADW}"'all((R[a][i]["variant"] != "candidate") or (R[b][i]["variant"] == "candidate") for a, b in ((10, 20), (20, 30), (10, 30)) for i in range(200))'
expect_json 'buckets do not depend on the weight' \
    "${LOADW}"'all(len({R[w][i]["bucket"] for w in R}) == 1 for i in range(200))'
expect_json 'candidate exactly when bucket <= weight, buckets as the model says' \
    "${LOADW}${B}"'all(R[w][i]["bucket"] == g["bucket"]("frontend", "user-%d" % (i + 1)) and (R[w][i]["variant"] == "candidate") == (R[w][i]["bucket"] <= w * 100) for w in R for i in range(200))'
expect_json 'roughly the share asked for' \
    "${LOADW}"'all(abs(sum(r["variant"] == "candidate" for r in R[w]) - 2 * w) <= 25 for w in (10, 20, 30))'

# --step: the weights and mirror of that step.
run route "$SHOP" --service checkout --step 1 --key u1 --json
expect_rc 0
expect_json 'step 1 of checkout routes at 12.5%' \
    "${B}"'d["variant"] == ("candidate" if g["bucket"]("checkout", "u1") <= 1250 else "baseline")'
run route "$SHOP" --service checkout --step 0 --key u1
expect_out '^baseline \(bucket [0-9]+ > candidate weight 0%; sticky key\)$'
run route "$SHOP" --service checkout --step 1 --key u1
expect_out 'candidate weight 12\.5%'

for i in $(seq 1 1000); do printf '{"key": "m-%d"}\n' "$i"; done >"$TMP/mkeys.jsonl"
run route "$SHOP" --service frontend --step 0 --bulk "$TMP/mkeys.jsonl"
expect_rc 0
expect_json 'step 0 of frontend mirrors about 20% of the baseline' \
    '150 <= sum(1 for r in docs if r.get("mirror")) <= 250'
expect_json 'mirror is only set when true, only on baseline' \
    'all(r.get("mirror", True) is True and (not r.get("mirror") or r["variant"] == "baseline") for r in docs)'
run route "$SHOP" --service frontend --weight 0 --bulk "$TMP/mkeys.jsonl"
expect_json '--weight does not mirror' 'not any("mirror" in r for r in docs)'
run route "$SHOP" --service frontend --step 2 --bulk "$TMP/mkeys.jsonl"
expect_json 'step 2: 10% candidate and mirroring' \
    "${B}"'all((r["variant"] == "candidate") == (r["bucket"] <= 1000) and r["bucket"] == g["bucket"]("frontend", "m-%d" % (i + 1)) for i, r in enumerate(docs)) and any(r.get("mirror") for r in docs)'

# Rules from another plan: cookies, attributes, weighted rules, unnamed rules.
run route traffic-rules.json --service api --weight 0 --cookie beta=yes --json
expect_json 'cookie rule' 'd["variant"] == "candidate" and d["rule"] == "beta-cookie"'
run route traffic-rules.json --service api --weight 100 --attr region=eu-west --json
expect_json 'attribute rule' 'd["variant"] == "baseline" and d["rule"] == "eu-stays"'
run route traffic-rules.json --service api --weight 0 --header x-internal=1 --json
expect_json 'unnamed rule is rule-3' 'd["variant"] == "candidate" and d["rule"] == "rule-3"'
run route traffic-rules.json --service api --weight 0 --header 'x-user-id=u7' --header 'User-Agent=Mobile Safari' --json
expect_json 'weighted rule splits its matches at its own weight by the bucket' \
    "${B}"'d["rule"] == "mobile-half" and d["variant"] == ("candidate" if g["bucket"]("api", "u7") <= 5000 else "baseline")'
run route traffic-rules.json --service api --weight 0 --header 'x-user-id=u7' --header 'user-agent=Mobile Safari' --header 'user-agent=Desktop' --json
expect_json 'first of repeated headers' 'd["rule"] == "mobile-half"'
run route traffic-rules.json --service api --weight 100 --header 'x-user-id=u7' --attr 'region=eu-west=x' --json
expect_json 'NAME=VALUE splits at the first =' 'd["rule"] is None and d["variant"] == "candidate"'

# ================================================================ route --bulk

# 1,000 requests of every shape, a few bad lines and blank lines among them.
"$PY" - "$TMP" <<'PYEOF'
import json, random, sys
tmp = sys.argv[1]
rnd = random.Random(7)
bad = {101: '{"key": 5}', 202: 'not json', 303: '{"headers": {"a": 1}}',
       404: '{"bogus": "x"}', 505: '[1, 2]', 606: '{"key": "a"} trailing',
       707: '{"cookies": "shop_session=1"}', 808: '{"key": "a", "key": "b"}'}
blank = {50, 51, 700, 1004}
lines, good = [], []
n = 0
while len(lines) < 1008:
    ln = len(lines) + 1
    if ln in blank:
        lines.append("" if ln != 700 else "   \t")
        continue
    if ln in bad:
        lines.append(bad[ln])
        continue
    n += 1
    req = {}
    r = rnd.random()
    if r < 0.3:
        req["key"] = "k-%d" % rnd.randrange(500)
    elif r < 0.55:
        req["cookies"] = {"shop_session": "s-%d" % rnd.randrange(500)}
    elif r < 0.7:
        req["headers"] = {"Cookie": "a=b; shop_session=c-%d" % rnd.randrange(500)}
    elif r < 0.8:
        req["request_id"] = "rid-%d" % rnd.randrange(500)
    if rnd.random() < 0.08:
        req.setdefault("headers", {})["x-canary"] = "always"
    if rnd.random() < 0.08:
        req.setdefault("headers", {})["User-Agent"] = "Googlebot"
    if rnd.random() < 0.1:
        req["attrs"] = {"region": "eu-%d" % rnd.randrange(3)}
    lines.append(json.dumps(req))
    good.append((ln, req))
open(tmp + "/bulk.jsonl", "w").write("\n".join(lines) + "\n")
# One-by-one command lines for a sample of the good lines.
with open(tmp + "/sample.txt", "w") as f:
    for ln, req in rnd.sample(good, 25):
        args = []
        if "key" in req: args += ["--key", req["key"]]
        if "request_id" in req: args += ["--request-id", req["request_id"]]
        for k, v in req.get("headers", {}).items(): args += ["--header", k + "=" + v]
        for k, v in req.get("cookies", {}).items(): args += ["--cookie", k + "=" + v]
        for k, v in req.get("attrs", {}).items(): args += ["--attr", k + "=" + v]
        f.write("%d\t%s\n" % (ln, "\t".join(args)))
PYEOF
export BAD_LINES='[101, 202, 303, 404, 505, 606, 707, 808]'

run route "$SHOP" --service frontend --weight 30 --bulk "$TMP/bulk.jsonl"
expect_rc 1
cp -- "$TMP/out" "$TMP/bulk.out"
expect_err '^convoy: route: .*bulk\.jsonl: 8 bad request lines \(the first at line 101\)$'
expect_json 'one output line per non-blank input line' 'len(docs) == 1004'
expect_json 'error objects at the bad lines, in order' \
    '[r["line"] for r in docs if "error" in r] == eval(env["BAD_LINES"]) and all(set(r) == {"line", "error"} and r["error"] for r in docs if "error" in r)'
expect_json 'results have the three keys first' \
    'all(list(r)[:3] == ["variant", "rule", "bucket"] for r in docs if "error" not in r)'
expect_json 'error messages name the problem' \
    '{r["line"]: r["error"] for r in docs if "error" in r}[101].startswith("\"key\" must be a string") and "not JSON" in {r["line"]: r["error"] for r in docs if "error" in r}[202] and "unknown key \"bogus\"" in {r["line"]: r["error"] for r in docs if "error" in r}[404] and "duplicate" in {r["line"]: r["error"] for r in docs if "error" in r}[808]'
expect_json 'the header rules took effect' \
    'any(r.get("rule") == "canary-header" for r in docs) and any(r.get("rule") == "crawlers" for r in docs)'

# Every sampled line, routed alone, gives the same result line.
export BULKOUT=$TMP/bulk.out
sample_ok=0
sample_bad=0
while IFS= read -r entry; do
    ln=${entry%%$'\t'*}
    rest=${entry#*$'\t'}
    args=()
    if [ "$rest" != "$entry" ] && [ -n "$rest" ]; then IFS=$'\t' read -r -a args <<<"$rest"; fi
    # Output line of input line ln: input lines up to ln that are not blank.
    outln=$(head -n "$ln" "$TMP/bulk.jsonl" | grep -c '[^[:space:]]')
    "$CONVOY" route "$SHOP" --service frontend --weight 30 --json "${args[@]}" >"$TMP/one" 2>&1
    if [ "$(cat "$TMP/one")" = "$(sed -n "${outln}p" "$TMP/bulk.out")" ]; then
        sample_ok=$((sample_ok + 1))
    else
        sample_bad=$((sample_bad + 1))
        echo "    line $ln: one-by-one '$(cat "$TMP/one")' vs bulk '$(sed -n "${outln}p" "$TMP/bulk.out")'"
    fi
done <"$TMP/sample.txt"
LAST="route one by one vs --bulk"
if [ "$sample_ok" -eq 25 ] && [ "$sample_bad" -eq 0 ]; then
    pass "25 sampled lines agree"
else
    fail "sampled lines agree ($sample_ok ok, $sample_bad differ)"
fi

# Standard input, and a file with only good lines.
run_stdin "$TMP/bulk.jsonl" route "$SHOP" --service frontend --weight 30 --bulk -
expect_rc 1
expect_same "$TMP/out" "$TMP/bulk.out" "--bulk - reads standard input"
expect_err '^convoy: route: <stdin>: 8 bad request lines'

grep -v -e '"key": 5' -e '^not json' -e '"a": 1}' -e bogus -e '^\[' -e trailing -e '"cookies": "' -e '"key": "b"' \
    "$TMP/bulk.jsonl" >"$TMP/good.jsonl"
run route "$SHOP" --service frontend --step 4 --bulk "$TMP/good.jsonl"
expect_rc 0
expect_empty_err
expect_json 'all good: 996 results' 'len(docs) == 996 and not any("error" in r for r in docs)'

printf '\n\n' >"$TMP/empty.jsonl"
run route "$SHOP" --service frontend --weight 30 --bulk "$TMP/empty.jsonl"
expect_rc 0
expect_empty_out

printf '{"key": "a"}\r\n{"key": "\\u00e9t\\u00e9"}\n{"headers": {"x-canary": "always"}}' >"$TMP/crlf.jsonl"
run route "$SHOP" --service frontend --weight 0 --bulk "$TMP/crlf.jsonl"
expect_rc 0
expect_json 'CRLF, unicode escapes and a last line without newline' \
    "${B}"'len(docs) == 3 and docs[0]["bucket"] == g["bucket"]("frontend", "a") and docs[1]["bucket"] == g["bucket"]("frontend", "\u00e9t\u00e9") and docs[2]["rule"] == "canary-header"'

run route "$SHOP" --service frontend --weight 30 --bulk "$TMP/nope.jsonl"
expect_rc 1
expect_empty_out
expect_err 'nope\.jsonl: '

run route "$SHOP" --service frontend --weight 30 --bulk "$TMP/keys.jsonl" --key x
expect_rc 1
expect_err -- '--bulk'

# ================================================================ route: errors

run route "$SHOP" --service chekout --weight 10
expect_rc 1
expect_empty_out
expect_err "no service 'chekout'"
expect_err "did you mean 'checkout'"

run route "$SHOP" --service frontend --weight 12.345
expect_rc 1
expect_empty_out
expect_err -- '--weight: .*12\.345'

run route "$SHOP" --service frontend --weight 101
expect_rc 1
expect_err -- '--weight: .*101'

for w in -1 +5 1e1 ' 5' abc ''; do
    run route "$SHOP" --service frontend --weight "$w"
    expect_rc 1
done

run route "$SHOP" --service frontend --weight 12.25 --key a --json
expect_rc 0

run route "$SHOP" --service frontend
expect_rc 1
expect_err -- '--weight or --step is required'
expect_err '^usage: convoy route'

run route "$SHOP" --service frontend --weight 10 --step 1
expect_rc 1
expect_err 'not both'

run route "$SHOP" --weight 10
expect_rc 1
expect_err -- '--service is required'

run route --service frontend --weight 10
expect_rc 1
expect_err 'no plan given'

run route "$SHOP" --service frontend --weight 10 --header x-canary
expect_rc 1
expect_err "NAME=VALUE, not 'x-canary'"
run route "$SHOP" --service frontend --weight 10 --cookie =v
expect_rc 1
expect_err 'name before .=. is empty'
run route "$SHOP" --service frontend --weight 10 --attr
expect_rc 1
expect_err "needs a value"

run route "$SHOP" --service checkout --step 10
expect_rc 1
expect_empty_out
expect_err 'out of range.*steps 0-9'
run route "$SHOP" --service checkout --step x1
expect_rc 1
expect_err "step 'x1'"
run route "$SHOP" --service checkout --step -1
expect_rc 1
run route minimal.json --service solo --step 0
expect_rc 1
expect_err 'no steps'
run route minimal.json --service solo --weight 5 --json
expect_rc 0

run route "$SHOP" --service frontend --weight 10 --frobnicate
expect_rc 1
expect_err "unknown option '--frobnicate'"
run route "$SHOP" --service frontend --weight 10 --format haproxy
expect_rc 1
expect_err "unknown option '--format'"
run route "$SHOP" --service frontend --service checkout --weight 10
expect_rc 1
expect_err 'given twice'

# ================================================================ render

run render "$SHOP" --service checkout --step 1 --format haproxy
expect_rc 0
expect_empty_err
# 12.5 % of 256 = 32
expect_out '^set weight checkout/candidate 32$'
expect_out '^set weight checkout/baseline 224$'
expect_all_out '^set weight '

run render "$SHOP" --service checkout --weight 30 --format haproxy --name be_checkout --baseline-target v1 --candidate-target v2
expect_rc 0
# round(3000 * 256 / 10000) = round(76.8) = 77
expect_out '^set weight be_checkout/v2 77$'
expect_out '^set weight be_checkout/v1 179$'

run render "$SHOP" --service checkout --step 0 --format haproxy
expect_out '^set weight checkout/candidate 0$'
expect_out '^set weight checkout/baseline 256$'

for fmt in envoy istio gateway-api; do
    run render "$SHOP" --service frontend --step 4 --format "$fmt"
    expect_rc 0
    expect_empty_err
    if "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out" 2>/dev/null; then
        pass "$fmt output is one JSON document"
    else
        fail "$fmt output is one JSON document"
    fi
    if [ "$(tail -c 1 "$TMP/out" | od -An -c | tr -d ' ')" = '\n' ]; then pass "newline-terminated"; else fail "newline-terminated"; fi
    expect_out 'canary-header|x-canary'
done

run render "$SHOP" --service frontend --step 4 --format istio --namespace shop --port 8080
expect_rc 0
expect_out '8080'
compact_out
expect_json 'istio VirtualService' \
    'd["apiVersion"] == "networking.istio.io/v1beta1" and d["kind"] == "VirtualService" and d["metadata"]["name"] == "frontend" and d["metadata"]["namespace"] == "shop"'
expect_json 'istio: a weighted route with 30% on the candidate' "${SPLIT}"'has_split(d, 0.3)'

run render "$SHOP" --service frontend --weight 30 --format gateway-api --gateway shop-gw --namespace shop
expect_rc 0
expect_out 'shop-gw'
compact_out
expect_json 'Gateway API HTTPRoute' \
    'd["apiVersion"] == "gateway.networking.k8s.io/v1" and d["kind"] == "HTTPRoute" and d["metadata"]["name"] == "frontend"'
expect_json 'gateway-api: backendRefs with 30% on the candidate' "${SPLIT}"'has_split(d, 0.3)'

run render "$SHOP" --service frontend --weight 30 --format envoy
expect_out 'weighted_clusters'
compact_out
expect_json 'envoy: weighted clusters with 30% on the candidate' "${SPLIT}"'has_split(d, 0.3)'

run render "$SHOP" --service frontend --weight 30 --format nginx
expect_rc 0
expect_empty_err
expect_out 'split_clients'
expect_out 'x-canary|x_canary'

# Rules a format cannot express: attribute conditions (the runtime API of
# HAProxy sets weights only: any rule, so the first, beta-cookie).
for fmt in haproxy envoy istio nginx gateway-api; do
    run render traffic-rules.json --service api --weight 50 --format "$fmt"
    expect_rc 1
    expect_empty_out
    if [ "$fmt" = haproxy ]; then expect_err 'beta-cookie'; else expect_err 'eu-stays'; fi
    expect_err -- '--skip-unsupported'
    run render traffic-rules.json --service api --weight 50 --format "$fmt" --skip-unsupported
    expect_rc 0
    expect_not_out 'eu-west'
done

run render traffic-rules.json --service plain --step 0 --format haproxy
expect_rc 0
expect_out '^set weight plain/candidate 64$'

# Errors.
run render "$SHOP" --service frontend --weight 30 --format apache
expect_rc 1
expect_empty_out
expect_err "unknown format 'apache'"

run render "$SHOP" --service frontend --weight 30
expect_rc 1
expect_err -- '--format is required'

run render "$SHOP" --service frontend --format haproxy
expect_rc 1
expect_err -- '--weight or --step is required'

run render "$SHOP" --service frontend --format haproxy --weight 10 --step 1
expect_rc 1
expect_err 'not both'

run render "$SHOP" --service frontnd --format haproxy --weight 10
expect_rc 1
expect_err "no service 'frontnd'"
expect_err "did you mean 'frontend'"

run render "$SHOP" --service frontend --format haproxy --step 10
expect_rc 1
expect_err 'out of range.*steps 0-9'

run render "$SHOP" --service frontend --format istio --weight 10 --port 70000
expect_rc 1
expect_err -- '--port'

run render "$SHOP" --service frontend --format haproxy --weight 10.001
expect_rc 1

run render "$SHOP" --service frontend --format haproxy --weight 10 --json
expect_rc 1
expect_err "unknown option '--json'"

# ================================================================ summary

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
