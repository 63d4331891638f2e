#!/usr/bin/env bash
# Installs the Debian packages Convoy needs, only when some are missing.
#   scripts/deps.sh build   - to build the library and the CLI
#   scripts/deps.sh test    - to build and run the whole test suite, including
#                             the npm corpora (scripts/fetch-corpora.sh) and,
#                             when the machine has no Node.js, Debian's nodejs/npm
set -euo pipefail

build=(meson ninja-build pkg-config gcc g++ libcjson-dev libcurl4-openssl-dev libpcre2-dev)
test=(libcmocka-dev abigail-tools binutils clang libclang-rt-14-dev python3 python3-scipy
      python3-pytest socat haproxy nginx curl)

want=("${build[@]}")
if [ "${1:-build}" = test ]; then
  want+=("${test[@]}")
  # Machines of this kind ship Node.js 20 (not from Debian); install
  # Debian's only where there is none.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    want+=(nodejs npm)
  fi
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
fetch_corpora() {
  if [ "${1:-build}" = test ]; then
    "$(dirname "${BASH_SOURCE[0]}")/fetch-corpora.sh"
  fi
}
if [ ${#missing[@]} -eq 0 ]; then
  fetch_corpora "${1:-build}"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
echo "Installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fetch_corpora "${1:-build}"
