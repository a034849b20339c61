#!/usr/bin/env bash
# The API against its own OpenAPI document (issue 15): schemathesis generates requests
# from /api/v1/openapi.json, anonymously and with an API token of each role (admin,
# delegate of the Loire, manager of Petites villes de demain, a commune, a partner),
# and fails on any 5xx, dropped connection, undocumented status, content type or body
# outside the schema. The server is the real one, on the shipped data, in a data
# directory of its own; it must log no panic.
#
#   tests/api/run.sh            # CI's bounded run (about 4 minutes)
#   EXAMPLES=200 tests/api/run.sh   # a longer campaign
set -euo pipefail
cd "$(dirname "$0")/../.."
examples=${EXAMPLES:-12}
seed=${SEED:-20261206}
venv=${COHESION_SCHEMATHESIS_VENV:-/var/tmp/cohesion-schemathesis}
target=${CARGO_TARGET_DIR:-target}
bin="$target/debug/cohesion"

if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q schemathesis==4.32.5
fi
[ -x "$bin" ] || cargo build -q -p cohesion

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export COHESION_DATA_DIR="$work/data" RUST_LOG=${RUST_LOG:-warn}
unset DATABASE_URL
# Without the 24,811 demonstration projects: the exports of the debug build would take
# most of the time budget; the projects, pacts and people the run creates are there.
"$bin" serve --addr "127.0.0.1:$port" --no-demo-projects > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 120); do curl -sf "$base/livez" > /dev/null && break; sleep 1; done
curl -sf "$base/livez" > /dev/null || { cat "$work/server.log"; echo "the server did not start"; exit 1; }

# The people of each role, and a token each (the command line makes the admin's).
"$bin" user create --admin admin@schemathesis.test > /dev/null
admin=$("$bin" token create admin@schemathesis.test --name schemathesis --days 1)
people=$(ADMIN="$admin" BASE="$base" python3 - <<'PY'
import json, os, urllib.request
base, admin = os.environ["BASE"], os.environ["ADMIN"]
def call(method, path, body):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + admin, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
def luhn(digits):
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = int(d) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0
siren = next(s for s in (f"13001831{d}" for d in range(10)) if luhn(s))
siret = next(s for s in (f"{siren}{n:05d}" for n in range(100000)) if luhn(s))
commune = call("POST", "/api/v1/organisations", {"kind": "local_authority", "territory": "commune:42218"})
partner = call("POST", "/api/v1/organisations", {"kind": "partner", "name": "Bureau d'études", "siret": siret})
roles = {
    "delegate": {"role": "delegate", "departement": "42"},
    "manager": {"role": "programme_manager", "programme": "pvd"},
    "local": {"role": "local", "organisation": commune["id"]},
    "partner": {"role": "partner", "organisation": partner["id"]},
}
for name, role in roles.items():
    call("POST", "/api/v1/people/invitations", {"email": f"{name}@schemathesis.test", "roles": [role]})
    print(name)
PY
)

failed=0
run() {
  local who=$1; shift
  echo "== schemathesis: $who"
  if ! "$venv/bin/schemathesis" run "$base/api/v1/openapi.json" "$@" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --phases coverage,fuzzing --max-examples "$examples" --seed "$seed" --workers 1 \
      --no-color > "$work/$who.txt" 2>&1; then
    failed=1
  fi
  grep -E "^(  [0-9]+ generated|=+ .* in [0-9.]+s =+)" "$work/$who.txt" || true
  sed -n '/^=* FAILURES =*$/,/^=* SUMMARY =*$/p' "$work/$who.txt" | head -80 || true
  sed -n '/^=* ERRORS =*$/,/^=* SUMMARY =*$/p' "$work/$who.txt" | head -40 || true
}
# With a token, the run would revoke the very token it uses (it reads the ids from
# GET /api/v1/tokens): that one operation is left to the anonymous run and the tests.
own='--exclude-path-regex ^/api/v1/tokens/[{]id[}]$'

run anonymous
run admin --header "Authorization: Bearer $admin" $own
for who in $people; do
  token=$("$bin" token create "$who@schemathesis.test" --name schemathesis --days 1)
  run "$who" --header "Authorization: Bearer $token" $own
done
if grep -q "panicked" "$work/server.log"; then
  grep -m5 "panicked" "$work/server.log"
  echo "the server logged a panic"
  failed=1
fi
if [ "$failed" -ne 0 ]; then
  echo "schemathesis: failures (see above)"
  exit 1
fi
echo "schemathesis: every role clean"
