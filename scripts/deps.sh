#!/usr/bin/env bash
# Installs the Debian packages Convoy needs, only when some are missing.
#   scripts/deps.sh build   - to build the library and the CLI
#   scripts/deps.sh test    - to build and run the whole test suite
set -euo pipefail

build=(meson ninja-build pkg-config gcc g++ libcjson-dev libcurl4-openssl-dev libpcre2-dev)
test=(libcmocka-dev abigail-tools binutils clang libclang-rt-14-dev python3 python3-scipy
      python3-pytest socat)

want=("${build[@]}")
if [ "${1:-build}" = test ]; then
  want+=("${test[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
echo "Installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
