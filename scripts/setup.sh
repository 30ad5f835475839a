#!/usr/bin/env bash
# Installs everything haca needs, skipping what is already there:
#   - npm dependencies (from package-lock.json),
#   - CometBFT v0.38.25, built with `go install` into .tools/bin (git-ignored),
#   - with --browser (what the tests need): Debian's chromium package, for the browser tests.
# Usage: bash scripts/setup.sh [--quiet] [--browser]
set -euo pipefail
cd "$(dirname "$0")/.."
COMETBFT_VERSION="v0.38.25"
quiet=0; browser=0
for arg in "$@"; do
  case "$arg" in
    --quiet) quiet=1 ;;
    --browser) browser=1 ;;
    *) echo "setup: unknown option $arg (usage: bash scripts/setup.sh [--quiet] [--browser])" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "setup: $*"; }

command -v node >/dev/null || { echo "setup: Node.js 20+ is missing: install it from https://nodejs.org (or your package manager) and run this again." >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { echo "setup: Node.js $(node --version) is too old: haca needs Node 20 or newer." >&2; exit 1; }

# onnxruntime-node would try to download CUDA binaries that are not reachable; its CPU build ships in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
stamp=node_modules/.haca-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  cp package-lock.json "$stamp"
else
  say "npm dependencies up to date"
fi

mkdir -p .tools/bin
if [ -x .tools/bin/cometbft ] && [ "$(.tools/bin/cometbft version 2>/dev/null)" = "${COMETBFT_VERSION#v}" ]; then
  say "cometbft ${COMETBFT_VERSION} already installed"
else
  command -v go >/dev/null || { echo "setup: Go is missing: CometBFT is built with 'go install'; install Go 1.22+ from https://go.dev/dl (or 'apt-get install golang') and run this again." >&2; exit 1; }
  say "building cometbft ${COMETBFT_VERSION} with go install (a few minutes the first time)"
  GOBIN="$PWD/.tools/bin" go install "github.com/cometbft/cometbft/cmd/cometbft@${COMETBFT_VERSION}"
  say "cometbft installed: $(.tools/bin/cometbft version)"
fi

# The browser tests drive Debian's chromium through playwright-core (Playwright's own browser
# download is not what we use); the network itself needs no browser.
if [ "$browser" = 1 ]; then
  if command -v chromium >/dev/null; then
    say "chromium already installed"
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium package for the browser tests"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    say "chromium installed: $(chromium --version 2>/dev/null || echo '?')"
  else
    echo "setup: chromium is missing: the browser tests need it; install Debian's package (sudo apt-get install chromium) and run this again." >&2
    exit 1
  fi
fi
