#!/usr/bin/env bash
# haproxy_render.sh CONVOY PLAN
#
# Real HAProxy, real backends, no mocks: two python3 http.server backends
# answer "baseline" and "candidate"; HAProxy balances them (roundrobin)
# with the candidate at weight 0. For each weight W, the output of
#   convoy render PLAN --service checkout --weight W --format haproxy
# goes line by line to the admin socket (the runtime API runs one command
# per connection), `get weight` must echo the rendered weights, and 2,000
# HTTP requests (one connection each) are counted per backend.
#
# Tolerance: roundrobin is deterministic. Over any run of N requests each
# server's count stays within a few requests of N * weight / 256 (HAProxy's
# weighted round robin interleaves servers by their weights); we allow 3.
# Against W itself the rendered weight adds its rounding to 1/256
# (at most 0.5/256 = 0.2 percentage points), so the measured share must be
# within 0.2 points + 3/N of W.
#
# Fails when haproxy, socat or python3 is missing: CI installs them.
set -euo pipefail

convoy=$1
plan=$2
requests=2000
service=checkout

need() {
  local found
  found=$(command -v "$1" || true)
  [ -n "$found" ] || { [ -x "/usr/sbin/$1" ] && found=/usr/sbin/$1; } || true
  if [ -z "$found" ]; then
    echo "FAIL: $1 is not installed (CI installs it; scripts/deps.sh test)" >&2
    exit 1
  fi
  echo "$found"
}
haproxy_bin=$(need haproxy)
socat_bin=$(need socat)
python_bin=$(need python3)

work=$(mktemp -d "${TMPDIR:-/tmp}/convoy-haproxy.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  "$python_bin" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # port
  for _ in $(seq 200); do
    if "$python_bin" - "$1" <<'EOF' 2>/dev/null; then return 0; fi
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=1)
c.request("GET", "/")
sys.exit(0 if c.getresponse().status == 200 else 1)
EOF
    sleep 0.05
  done
  echo "FAIL: nothing answers on port $1" >&2
  exit 1
}

# Two backends, each serving its own name.
ports=()
for variant in baseline candidate; do
  mkdir -p "$work/$variant"
  echo "$variant" > "$work/$variant/index.html"
  port=$(free_port)
  "$python_bin" -m http.server --bind 127.0.0.1 --directory "$work/$variant" "$port" \
    > "$work/$variant.log" 2>&1 &
  pids+=($!)
  ports+=("$port")
done
wait_http "${ports[0]}"
wait_http "${ports[1]}"

front=$(free_port)
sock=$work/admin.sock
cat > "$work/haproxy.cfg" <<EOF
global
    stats socket $sock mode 600 level admin
    nbthread 2
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:$front
    default_backend $service
backend $service
    balance roundrobin
    server baseline 127.0.0.1:${ports[0]} weight 256
    server candidate 127.0.0.1:${ports[1]} weight 0
EOF
"$haproxy_bin" -c -q -f "$work/haproxy.cfg"
"$haproxy_bin" -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  [ -S "$sock" ] && break
  sleep 0.05
done
wait_http "$front"

cli() { # one runtime API command
  echo "$1" | "$socat_bin" -t 2 stdio "unix-connect:$sock"
}

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Before any command the candidate has its configured weight, 0.
initial=$(cli "get weight $service/candidate")
[ "$initial" = "0 (initial 0)" ] || fail "initial candidate weight: '$initial'"

count() { # requests -> "baseline candidate"
  "$python_bin" - "$front" "$1" <<'EOF'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
counts = {"baseline": 0, "candidate": 0}
for _ in range(n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/", headers={"Connection": "close"})
    r = c.getresponse()
    body = r.read().decode().strip()
    c.close()
    if r.status != 200 or body not in counts:
        sys.exit("unexpected answer %d %r" % (r.status, body))
    counts[body] += 1
print(counts["baseline"], counts["candidate"])
EOF
}

for weight in 30 12.5 0 100; do
  commands=$("$convoy" render "$plan" --service "$service" --weight "$weight" --format haproxy)
  echo "convoy render --weight $weight:"
  echo "$commands" | sed 's/^/    /'
  bp=$("$python_bin" -c "print(round($weight * 100))")
  cand=$(( (bp * 256 + 5000) / 10000 ))
  base=$(( 256 - cand ))
  expected="set weight $service/baseline $base
set weight $service/candidate $cand"
  [ "$commands" = "$expected" ] || fail "rendered commands differ from:
$expected"
  while IFS= read -r line; do
    answer=$(cli "$line")
    # Success is an empty answer; errors are text.
    [ -z "${answer//[$'\n\r ']/}" ] || fail "'$line' answered: $answer"
  done <<< "$commands"
  got_c=$(cli "get weight $service/candidate")
  got_b=$(cli "get weight $service/baseline")
  [ "$got_c" = "$cand (initial 0)" ] || fail "get weight candidate: '$got_c', wanted $cand"
  [ "$got_b" = "$base (initial 256)" ] || fail "get weight baseline: '$got_b', wanted $base"

  read -r nb nc < <(count "$requests")
  "$python_bin" - "$weight" "$cand" "$nb" "$nc" "$requests" <<'EOF' || failures=$((failures + 1))
import sys
w, m, nb, nc, n = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
share = 100.0 * nc / n
expect_hap = n * m / 256.0
ok_hap = abs(nc - expect_hap) <= 3
ok_w = abs(share - w) <= 100 * 0.5 / 256 + 100.0 * 3 / n
print("measured split at W=%g%%: baseline %d, candidate %d of %d = %.2f%% "
      "(HAProxy weight %d/256 = %.2f%%; want |candidate - %.1f| <= 3 and |share - W| <= %.2f points)"
      % (w, nb, nc, n, share, m, 100.0 * m / 256, expect_hap, 100 * 0.5 / 256 + 100.0 * 3 / n))
if not (ok_hap and ok_w and nb + nc == n):
    print("FAIL: split out of tolerance")
    sys.exit(1)
EOF
done

if [ "$failures" -ne 0 ]; then
  echo "haproxy log:"
  cat "$work/haproxy.log"
  exit 1
fi
echo "all HAProxy checks passed"
