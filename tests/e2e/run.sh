#!/usr/bin/env bash
# Browser tests of the pages. Builds the server (debug), starts it on a free port
# with a temporary data directory, runs `node --test` against it in Debian's
# Chromium, and stops it. Exits non-zero on any failure.
#
# Also starts a local OpenID provider like ProConnect (oidc.js, npm oidc-provider) and
# points the server at it.
#
# Needs: cargo, node >= 20 and npm (for `npm ci` of playwright-core, axe-core, oidc-provider),
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
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port="$(free_port)"
oidc_port="$(free_port)"
export BASE_URL="http://127.0.0.1:$port"
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
# The admin the access tests sign in as.
export E2E_ADMIN_EMAIL="admin@example.fr" E2E_ADMIN_PASSWORD="une phrase de passe pour les tests"
printf '%s\n' "$E2E_ADMIN_PASSWORD" | "$bin" user create --admin "$E2E_ADMIN_EMAIL" --given-name Camille --usual-name Admin \
  --password-stdin --data-dir "$data" >/dev/null
# A local OpenID provider configured like ProConnect (oidc.js), and the server using it.
export OIDC_PORT="$oidc_port" APP_URL="$BASE_URL" OIDC_CLIENT_ID="cohesion-e2e" \
  OIDC_CLIENT_SECRET="secret-du-client-de-test-$(node -e 'console.log(require("crypto").randomUUID())')" \
  OIDC_SIRET="13000548100002"
DEBUG="${OIDC_DEBUG:-}" node oidc.js >artifacts/oidc.log 2>&1 &
oidc=$!
COHESION_PUBLIC_URL="$BASE_URL" \
COHESION_PROCONNECT_DISCOVERY_URL="http://127.0.0.1:$oidc_port/.well-known/openid-configuration" \
COHESION_PROCONNECT_CLIENT_ID="$OIDC_CLIENT_ID" COHESION_PROCONNECT_CLIENT_SECRET="$OIDC_CLIENT_SECRET" \
  "$bin" serve --addr "127.0.0.1:$port" --data-dir "$data" >artifacts/server.log 2>&1 &
server=$!
cleanup() {
  kill "$server" "$oidc" 2>/dev/null || true
  wait "$server" "$oidc" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

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
for _ in $(seq 1 60); do
  node -e 'fetch(`http://127.0.0.1:${process.env.OIDC_PORT}/.well-known/openid-configuration`).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' && break
  if ! kill -0 "$oidc" 2>/dev/null; then
    echo "e2e: the OpenID provider stopped; its log:" >&2
    cat artifacts/oidc.log >&2
    exit 1
  fi
  sleep 0.5
done

# E2E_TESTS="access.test.js" runs only those files.
node --test --test-concurrency=1 --test-reporter=spec ${E2E_TESTS:-./*.test.js}
