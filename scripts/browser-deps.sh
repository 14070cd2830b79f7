#!/usr/bin/env bash
# What the browser tests need: Debian's Chromium (Playwright drives it; `playwright install` cannot download here),
# Node's npm for axe-core, and axe-core itself from the npm registry (tests/e2e/package.json, locked).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(chromium)
command -v npm >/dev/null 2>&1 || packages+=(npm)  # any npm will do, not only Debian's
./scripts/apt-missing.sh "${packages[@]}"
if [ ! -f tests/e2e/node_modules/axe-core/axe.min.js ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then
  npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
fi
