#!/usr/bin/env bash
# The test command: installs what is missing (scripts/setup.sh), then typecheck, lint, and
# every test (unit tests beside the code as src/**/*.test.ts, integration tests in test/).
# Usage: bash scripts/test.sh [test files...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --quiet
export PATH="$PWD/.tools/bin:$PATH"
if [ $# -gt 0 ]; then
  files=("$@")
else
  echo "== typecheck"; ./node_modules/.bin/tsc --noEmit
  echo "== lint"; ./node_modules/.bin/eslint --max-warnings=0 .
  mapfile -t files < <(find src test -name '*.test.ts' | sort)
fi
echo "== tests (${#files[@]} files)"
exec node --import tsx --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec "${files[@]}"
