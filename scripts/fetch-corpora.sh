#!/bin/bash
# scripts/fetch-corpora.sh - install the npm packages that tests and
# benchmarks read into .corpora/ at the repository root (ignored by git).
#
#   scripts/fetch-corpora.sh          install (a no-op when the pinned versions are there)
#   scripts/fetch-corpora.sh --check  only check; exit 1 when something is missing
#
# Packages (pinned; bump here and nowhere else):
#   @unleash/client-specification  the Unleash client conformance corpus
#                                  (tests/traffic_spec, test 'unleash_spec')
#   unleash-client                 the Node SDK whose FlexibleRolloutStrategy the
#                                  benchmark bench-route-unleash runs against Convoy
#
# Needs npm, and node >= 20 for the benchmark (unleash-client declares
# "node": ">=20"; Debian 12's own nodejs package is 18: a warning, not an
# error). Exits non-zero when npm fails or when the installed files are not
# where the tests look for them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="$root/.corpora"

packages=(
  "@unleash/client-specification@6.1.0"
  "unleash-client@6.12.1"
)
# Files the tests and benchmarks open; their presence is the check.
required=(
  "node_modules/@unleash/client-specification/specifications/index.json"
  "node_modules/unleash-client/lib/strategy/flexible-rollout-strategy.js"
)

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  *) echo "fetch-corpora.sh: unknown argument '$1'" >&2; exit 2 ;;
esac

installed_version() { # PACKAGE-NAME -> version or nothing
  local pj="$dir/node_modules/$1/package.json"
  [[ -f $pj ]] || return 0
  sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$pj" | head -n 1
}

up_to_date() {
  local spec name want f
  for spec in "${packages[@]}"; do
    name=${spec%@*}
    want=${spec##*@}
    [[ $(installed_version "$name") == "$want" ]] || return 1
  done
  for f in "${required[@]}"; do
    [[ -f $dir/$f ]] || return 1
  done
  return 0
}

if up_to_date; then
  [[ $check_only == 1 ]] || echo "fetch-corpora.sh: .corpora up to date (${packages[*]})"
  exit 0
fi
if [[ $check_only == 1 ]]; then
  echo "fetch-corpora.sh: .corpora is missing or stale; run scripts/fetch-corpora.sh" >&2
  exit 1
fi

for tool in node npm; do
  command -v "$tool" >/dev/null ||
    { echo "fetch-corpora.sh: '$tool' not found (needs node >= 20 and npm)" >&2; exit 1; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major < 20 )); then
  # npm installs anyway (an engine warning); the specification corpus is
  # plain JSON, but the benchmark's unleash-client may not run.
  echo "fetch-corpora.sh: warning: node $(node --version) is older than unleash-client's" \
       "\"node\": \">=20\"; bench-route-unleash may fail" >&2
fi

mkdir -p "$dir"
# A package.json of our own keeps npm from walking up to a parent project.
if [[ ! -f $dir/package.json ]]; then
  printf '{\n  "name": "convoy-corpora",\n  "private": true,\n  "description": "written by scripts/fetch-corpora.sh"\n}\n' \
    >"$dir/package.json"
fi
echo "fetch-corpora.sh: installing ${packages[*]} into .corpora/"
if ! npm install --prefix "$dir" --no-audit --no-fund --no-save --save-exact \
       --loglevel=error --no-progress "${packages[@]}" >"$dir/npm.log" 2>&1; then
  cat "$dir/npm.log" >&2
  echo "fetch-corpora.sh: npm install failed" >&2
  exit 1
fi
if ! up_to_date; then
  cat "$dir/npm.log" >&2
  echo "fetch-corpora.sh: npm finished but the pinned files are not in .corpora/" >&2
  exit 1
fi
echo "fetch-corpora.sh: done"
