#!/usr/bin/env bash
# Quick start: install what the build needs, build, and run the convoy CLI on
# the sample 3-tier shop plan (validate, then waves, steps and estimates).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build
if [ ! -d build-demo ]; then
  meson setup build-demo -Dtests=false -Dbenchmarks=false >/dev/null
fi
ninja -C build-demo >/dev/null

convoy=build-demo/examples/cli/convoy
plan=examples/plans/shop.json
echo "\$ convoy validate $plan"
"$convoy" validate "$plan"
echo
echo "\$ convoy plan $plan"
"$convoy" plan "$plan"
