#!/usr/bin/env bash
# The first command: installs everything (scripts/setup.sh) and starts a local network on
# CometBFT (`haca devnet`; ctrl-C stops it). Extra arguments go to `haca devnet`
# (e.g. --validators 4, --reset). With --check it instead starts a throwaway network, sends a
# transfer, verifies a Merkle proof of the result, stops it cleanly, and exits 0 if all worked.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${1:-}" != "--check" ]; then
  exec ./haca devnet "$@"
fi

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HACA_HOME="$home"
./haca devnet --home "$home/devnet" --base-port 20800 --json > "$home/devnet.json" 2> "$home/devnet.err" &
devnet=$!
for _ in $(seq 1 120); do
  [ -s "$home/devnet.json" ] && break
  kill -0 "$devnet" 2>/dev/null || { cat "$home/devnet.err" >&2; echo "start --check: the devnet exited" >&2; exit 1; }
  sleep 0.5
done
[ -s "$home/devnet.json" ] || { echo "start --check: the devnet did not start within 60 s" >&2; kill -INT "$devnet"; exit 1; }
rpc=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(j.rpc[0])' "$home/devnet.json")
demo=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(j.demoKeyFile)' "$home/devnet.json")
./haca keys new --file "$home/user.json" > /dev/null
user=$(./haca keys show --file "$home/user.json")
./haca tx transfer --node "$rpc" --key "$demo" --to "$user" --amount 1000
./haca query account "$user" --prove --node "$rpc" | tee "$home/account.txt"
grep -q '^balance 1000$' "$home/account.txt" || { echo "start --check: the transfer did not arrive" >&2; kill -INT "$devnet"; exit 1; }
kill -INT "$devnet"
wait "$devnet"
echo "start --check: ok (network started, transfer committed, proof verified, network stopped)"
