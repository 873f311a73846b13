#!/usr/bin/env bash
# Set up netorch in ./.venv (Python >= 3.11). With --system also install, via apt,
# the real tools the tests and the lab use: strongSwan, FRR, OpenSSH, tshark,
# Graphviz and Chromium (needs root). Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM=0
[[ "${1:-}" == "--system" ]] && SYSTEM=1
APT_PACKAGES=(python3 python3-venv python3-pip strongswan-swanctl strongswan-charon
  libcharon-extra-plugins libstrongswan-extra-plugins libstrongswan-standard-plugins frr
  openssh-server openssh-client nftables util-linux
  tshark graphviz chromium iproute2 iputils-ping procps traceroute)

# apt's, pip's and setuptools' chatter goes to a log, shown only if a step fails
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
quiet() { "$@" >"$LOG" 2>&1 || { cat "$LOG" >&2; exit 1; }; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "setup: apt-get install ${missing[*]}"
    quiet apt-get update -qq
    quiet apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

if ((SYSTEM)) && command -v apt-get >/dev/null; then
  apt_install "${APT_PACKAGES[@]}"
fi

PYTHON="${PYTHON:-python3}"
"$PYTHON" - <<'PY' || { echo "setup: netorch needs Python >= 3.11" >&2; exit 1; }
import sys; sys.exit(sys.version_info < (3, 11))
PY
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv 2>/dev/null || { apt_install python3-venv; "$PYTHON" -m venv .venv; }
fi
quiet .venv/bin/python -m pip install -q --upgrade pip
quiet .venv/bin/python -m pip install -q -e '.[dev]'
echo "setup: ready — .venv/bin/netorch --help"
