#!/usr/bin/env bash
# Debian packages the project needs (venv for a system Python, WeasyPrint's libraries and fonts, poppler for the
# redaction of disclosed copies and the PDF checks, gettext for the translations); installed only where missing
# (needs root).
set -euo pipefail
"$(dirname "$0")/apt-missing.sh" python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
  poppler-utils gettext
