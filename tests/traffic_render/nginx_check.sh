#!/usr/bin/env bash
# nginx_check.sh CONVOY RULES_PLAN SHOP_PLAN
#
# Loads `convoy render --format nginx` snippets into a real nginx: `nginx -t`
# for the shop plan's services, then serves the rules plan's snippet with a
# location that answers the chosen upstream name, and checks that requests
# stop at the rule they should (first match wins, all conditions must hold,
# case-sensitive values, cookies by variable and by Cookie-header regex).
#
# Fails when nginx is not installed: scripts/deps.sh test and .ci/run install
# it, so a missing nginx is a broken machine, not a reason to skip.
set -euo pipefail

convoy=$1
rules_plan=$2
shop_plan=$3

nginx_bin=$(command -v nginx || true)
[ -n "$nginx_bin" ] || nginx_bin=$(ls /usr/sbin/nginx 2>/dev/null || true)
if [ -z "$nginx_bin" ]; then
  echo "nginx is not installed (scripts/deps.sh test installs it)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/convoy-nginx.XXXXXX")
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A config around one snippet; the location either proxies (for -t) or
# answers the upstream variable (to observe the decision).
write_conf() { # file snippet service body port
  cat > "$1" <<EOF
daemon off;
master_process off;
error_log $work/error.log;
pid $work/nginx.pid;
events {}
http {
  access_log off;
  client_body_temp_path $work/tmp;
  proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp;
  scgi_temp_path $work/tmp;
  upstream $3-baseline { server 127.0.0.1:9; }
  upstream $3-candidate { server 127.0.0.1:9; }
  include $2;
  server {
    listen 127.0.0.1:$5;
    location / { $4 }
  }
}
EOF
}

mkdir -p "$work/tmp"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 1. Syntax of the shop plan's snippets (frontend has header rules and a
#    sticky cookie; checkout neither).
for svc in frontend:30 checkout:12.5 ledger:0 inventory:100; do
  name=${svc%%:*}
  weight=${svc#*:}
  "$convoy" render "$shop_plan" --service "$name" --weight "$weight" --format nginx \
    > "$work/$name.conf"
  write_conf "$work/$name-nginx.conf" "$work/$name.conf" "$name" \
    "proxy_pass http://\$convoy_${name}_upstream;" 8
  if "$nginx_bin" -t -q -p "$work" -e "$work/error.log" -c "$work/$name-nginx.conf" \
      > "$work/t.out" 2>&1; then
    echo "ok: nginx -t accepts $name at $weight%"
  else
    cat "$work/t.out"
    fail "nginx -t rejects the snippet for $name"
  fi
done

# 2. Behaviour of the rules plan at 100 %: whatever no rule catches goes to
#    the candidate, so each baseline answer comes from a rule.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$convoy" render "$rules_plan" --service web --weight 100 --format nginx > "$work/web.conf"
write_conf "$work/web-nginx.conf" "$work/web.conf" web \
  "return 200 \"\$convoy_web_upstream\\n\";" "$port"
"$nginx_bin" -t -q -p "$work" -e "$work/error.log" -c "$work/web-nginx.conf"
"$nginx_bin" -p "$work" -e "$work/error.log" -c "$work/web-nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.05
done

expect() { # want description curl-args...
  local want=$1 what=$2
  shift 2
  local got
  got=$(curl -s -A curl/8 "$@" "http://127.0.0.1:$port/")
  if [ "$got" = "$want" ]; then
    echo "ok: $what -> $got"
  else
    fail "$what: expected $want, got '$got'"
  fi
}
B=web-baseline
C=web-candidate
expect $B "no x-auth: rule noauth" 
expect $C "x-auth: no rule, the 100 % split" -H 'x-auth: 1'
expect $C "x-canary Always beats noauth (first match wins)" -H 'X-Canary: Always'
expect $B "x-canary always: exact is case-sensitive" -H 'x-canary: always'
expect $B "user-agent ending in bot: rule bots" -H 'x-auth: 1' -A 'googlebot'
expect $C "canary before bots" -H 'x-auth: 1' -H 'x-canary: Always' -A 'googlebot'
expect $B "beta cookie and x-beta: rule beta" -H 'x-auth: 1' -b 'a=2; beta=1' -H 'x-beta: y'
expect $C "beta cookie without x-beta: both must hold" -H 'x-auth: 1' -b 'beta=1'
expect $C "beta=12 is not beta=1" -H 'x-auth: 1' -b 'beta=12' -H 'x-beta: y'
expect $B "user-group=internal (Cookie-header regex)" -H 'x-auth: 1' -b 'x=1; user-group=internal'
expect $C "user-group=ext" -H 'x-auth: 1' -b 'user-group=ext'
expect $C "xuser-group=internal is another cookie" -H 'x-auth: 1' -b 'xuser-group=internal'
expect $B "x-split abab: weight-0 rule" -H 'x-auth: 1' -H 'x-split: abab'
expect $C "x-split abc: the regex holds for the whole value only" -H 'x-auth: 1' -H 'x-split: abc'

if [ "$failures" -ne 0 ]; then
  echo "snippet:"
  cat "$work/web.conf"
  exit 1
fi
echo "all nginx checks passed"
