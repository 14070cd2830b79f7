#!/usr/bin/env bash
# What the browser tests need: Debian's Chromium (Playwright drives it; `playwright install` cannot download here),
# Node's npm for axe-core, and axe-core itself from the npm registry (tests/e2e/package.json, locked).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(chromium npm)
missing=()
for p in "${packages[@]}"; do
  case "$p" in
    npm) command -v npm >/dev/null 2>&1 || missing+=("$p") ;;
    *) dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p") ;;
  esac
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "Installing ${missing[*]}…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -f tests/e2e/node_modules/axe-core/axe.min.js ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then
  npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
fi
