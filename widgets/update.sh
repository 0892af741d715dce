#!/usr/bin/env bash
# Rebuild Townhall's portal widgets from their sources and the pinned npm packages.
#
#   widgets/update.sh           npm ci (exact versions of package-lock.json, integrity
#                               checked by npm), then build: writes
#                               gateway/static/widgets/v1/{townhall.js, operations.json,
#                               LICENSES.txt, SHA256SUMS} and widgets/src/core/operations.js
#   widgets/update.sh --check   the same install, then build into a temporary folder and
#                               fail if the committed files differ (for CI: nothing written)
#
# The built files are committed and served by the gateway as they are: nothing loads from a
# CDN. To upgrade Lit or esbuild, change the exact version in package.json, run
# `npm install` here (it rewrites package-lock.json), run this script, then
# tests/widgets/test_bundle.py and the browser tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v npm >/dev/null || { echo "update.sh: npm is needed" >&2; exit 1; }
command -v node >/dev/null || { echo "update.sh: node is needed" >&2; exit 1; }

cd "$here"
npm ci --no-audit --no-fund --loglevel=error
if [ "${1:-}" = "--check" ]; then
    node build.mjs --check
else
    node build.mjs
fi
