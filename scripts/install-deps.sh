#!/usr/bin/env bash
# Installs the Debian packages the build and the suites need, when any is missing (needs root or sudo).
set -euo pipefail
packages=(make g++ cmake clang-14 libclang-rt-14-dev libgtest-dev postgresql-15 postgresql-client-15 postgresql-server-dev-15 libssl-dev
          postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl python3-psycopg2)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The Node client example needs node and npm, from Debian unless some other install provides them.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
