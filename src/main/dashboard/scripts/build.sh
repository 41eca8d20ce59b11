#!/bin/sh
# Maven runs this in generate-resources: installs the dashboard's packages when the lockfile changed, then builds it
# into the directory given. Without Node.js the jar is still built (API, edge and CLI work) and says so loudly.
set -e
out="$1"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "[WARNING] Node.js and npm were not found: the dashboard is NOT built into this jar (install Node.js 20+ and rebuild)."
  exit 0
fi
node scripts/install-deps.mjs
npm run build -- --outDir "$out" --emptyOutDir
