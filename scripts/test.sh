#!/usr/bin/env bash
# The test command: installs what is missing (scripts/setup.sh), then typecheck, lint, and the
# tests in two tiers, each timed:
#   unit         src/**/*.test.ts, in parallel, nothing started but in-process code (under a minute;
#                fuzz tests run a tenth of their iterations unless HACA_FUZZ=full, which CI sets)
#   integration  test/*.test.ts, one file at a time: real CometBFT, servers on loopback, browsers
# Usage: bash scripts/test.sh                 everything
#        bash scripts/test.sh unit|integration one tier (with typecheck and lint only for "all")
#        bash scripts/test.sh FILE...          just these test files
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --quiet --browser
export PATH="$PWD/.tools/bin:$PATH"
[ "${CI:-}" = "true" ] && export HACA_FUZZ="${HACA_FUZZ:-full}"
run() { node --import tsx --test --test-timeout=600000 --test-reporter=spec "$@"; }
tier() {
  local name=$1 concurrency=$2; shift 2
  local start=$SECONDS
  echo "== $name tests ($# files, concurrency $concurrency)"
  run --test-concurrency="$concurrency" "$@"
  echo "== $name tier: $((SECONDS - start)) s"
}
unit_files() { find src -name '*.test.ts' | sort; }
integration_files() { find test -name '*.test.ts' | sort; }

case "${1:-all}" in
  all)
    start=$SECONDS
    echo "== typecheck"; ./node_modules/.bin/tsc --noEmit
    echo "== lint"; ./node_modules/.bin/eslint --max-warnings=0 .
    echo "== typecheck and lint: $((SECONDS - start)) s"
    mapfile -t unit < <(unit_files); tier unit "$(nproc)" "${unit[@]}"
    mapfile -t integration < <(integration_files); tier integration 1 "${integration[@]}"
    ;;
  unit) mapfile -t unit < <(unit_files); tier unit "$(nproc)" "${unit[@]}" ;;
  integration) mapfile -t integration < <(integration_files); tier integration 1 "${integration[@]}" ;;
  *) echo "== tests ($# files)"; run --test-concurrency=1 "$@" ;;
esac
