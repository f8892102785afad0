#!/usr/bin/env bash
# Makes sure a Chromium is on this machine for the dashboard's browser tests
# (playwright-core drives it) and prints its path. Uses $CHROMIUM_PATH, or a
# `chromium` / `chromium-browser` on PATH; otherwise, as root, installs
# Debian's `chromium` package. Idempotent: fast when one is already there.
set -euo pipefail

find_chromium() {
  if [[ -n "${CHROMIUM_PATH:-}" ]]; then
    if [[ -x "$CHROMIUM_PATH" ]]; then
      echo "$CHROMIUM_PATH"
      return 0
    fi
    echo "setup-browser: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
    return 2
  fi
  local name
  for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

status=0
path="$(find_chromium)" || status=$?
if [[ $status -eq 0 ]]; then
  echo "$path"
  exit 0
fi
if [[ $status -eq 2 ]]; then
  exit 1
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "setup-browser: no Chromium found. Install one (Debian/Ubuntu: sudo apt-get install chromium)," >&2
  echo "or set CHROMIUM_PATH to a Chromium or Chrome executable, then run this script again." >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: no Chromium found and no apt-get to install one: set CHROMIUM_PATH to a Chromium executable." >&2
  exit 1
fi

echo "setup-browser: installing Debian's chromium package..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update >&2
apt-get install -y --no-install-recommends chromium >&2

path="$(find_chromium)" || {
  echo "setup-browser: chromium was installed but is not on PATH" >&2
  exit 1
}
echo "$path"
