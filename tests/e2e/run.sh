#!/usr/bin/env bash
# Browser tests of the pages. Builds the server (debug), starts it on a free port
# with a temporary data directory, runs `node --test` against it in Debian's
# Chromium, and stops it. Exits non-zero on any failure.
#
# Needs: cargo, node >= 20 and npm (for `npm ci` of playwright-core and axe-core),
# and /usr/bin/chromium (Debian package `chromium`), or CHROMIUM=/path/to/chromium.
# Honours CARGO_TARGET_DIR. Screenshots and the server log go to tests/e2e/artifacts/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ]; then
  echo "e2e: no Chromium at $CHROMIUM (install Debian's package: apt-get install -y chromium)" >&2
  exit 1
fi

(cd "$root" && cargo build --quiet -p cohesion)
bin="$target/debug/cohesion"

cd "$here"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

mkdir -p artifacts
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
data="$(mktemp -d)"
# Test data (fixtures/README.md: invented values) loaded through the CLI: measurements,
# a local value, an objective, and one evaluation run as a job.
f="$here/fixtures"
{
  "$bin" import measurements --data-dir "$data" --indicator business_creations --source insee-sirene-creations \
    --version 2025-01-15 "$f/creations-test.csv"
  "$bin" import measurements --data-dir "$data" --indicator business_creations --source local --origin local \
    --version 2025-02-01 "$f/local-test.csv"
  "$bin" import objectives --data-dir "$data" --indicator business_creations "$f/objectives-test.csv"
  "$bin" evaluate --data-dir "$data" --indicator business_creations --treated "$f/treated-test.csv" \
    --from 2016 --to 2023 --method cs --control notyet
} >artifacts/fixtures.log 2>&1 || { cat artifacts/fixtures.log >&2; exit 1; }
"$bin" serve --addr "127.0.0.1:$port" --data-dir "$data" >artifacts/server.log 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

export BASE_URL="http://127.0.0.1:$port"
for _ in $(seq 1 240); do
  if node -e 'fetch(process.env.BASE_URL + "/health").then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))'; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "e2e: the server stopped; its log:" >&2
    cat artifacts/server.log >&2
    exit 1
  fi
  sleep 0.5
done

node --test --test-concurrency=1 --test-reporter=spec ./*.test.js
