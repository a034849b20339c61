#!/usr/bin/env bash
# Crash safety (issue 15): the release server under a write load is killed with
# SIGKILL, several times; after each restart every write it acknowledged (201) must be
# there, whole. On SQLite (embedded, WAL) and on PostgreSQL (a fresh database
# `cohesion_crash` on 127.0.0.1), in one run. Writes bench/results/crash.md.
#
# Usage: bench/crash.sh [rounds, default 5] [seconds of writes per round, default 6]
# Needs: curl, python3, psql (for the PostgreSQL half).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
secs=${2:-6}
cargo build --release -q --locked -p cohesion
bin=${CARGO_TARGET_DIR:-target}/release/cohesion
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill -9 $server 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export RUST_LOG=warn

start() { # args...
  "$bin" serve --addr "127.0.0.1:$port" --no-demo-projects "$@" >> "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 600); do curl -sf "$base/livez" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not start"; tail -20 "$work/server.log"; exit 1
}

# Writers: 8 threads create projects as fast as they are answered, and append the id
# of every acknowledged one to a file (after the 201, before the next request).
writers() { # token acked-file seconds
  TOKEN=$1 ACKED=$2 SECS=$3 BASE=$base python3 - <<'PY'
import json, os, threading, time, urllib.request
base, token, acked, secs = os.environ["BASE"], os.environ["TOKEN"], os.environ["ACKED"], float(os.environ["SECS"])
lock = threading.Lock()
stop = time.time() + secs
counts = {"acked": 0, "refused": 0, "cut": 0}
def work(n):
    i = 0
    while time.time() < stop:
        i += 1
        body = {"name": f"Écrit avant l’arrêt {n}-{i}-{time.time_ns()}",
                "territories": [{"kind": "commune", "code": "42218"}],
                "phase": "study", "phase_status": "in_progress"}
        req = urllib.request.Request(base + "/api/v1/projects", method="POST", data=json.dumps(body).encode(),
            headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                made = json.load(r)
            with lock:
                with open(acked, "a") as f:
                    f.write(f"{made['id']}\t{body['name']}\n")
                counts["acked"] += 1
        except urllib.error.HTTPError:
            with lock: counts["refused"] += 1
        except Exception:
            with lock: counts["cut"] += 1   # the server was killed mid-request: not acknowledged
            time.sleep(0.05)
threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(counts))
PY
}

# After a restart: every acknowledged project is there with its name.
check() { # token acked-file -> "found lost"
  TOKEN=$1 ACKED=$2 BASE=$base python3 - <<'PY'
import json, os, urllib.request
base, token = os.environ["BASE"], os.environ["TOKEN"]
found = lost = 0
for line in open(os.environ["ACKED"]):
    pid, name = line.rstrip("\n").split("\t", 1)
    req = urllib.request.Request(f"{base}/api/v1/projects/{pid}", headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            ok = json.load(r).get("name") == name
    except Exception:
        ok = False
    found, lost = (found + 1, lost) if ok else (found, lost + 1)
print(found, lost)
PY
}

campaign() { # label serve-args...
  local label=$1; shift
  local acked="$work/acked-$label.tsv" token
  : > "$acked"
  start "$@"
  "$bin" user create --admin "crash@$label.test" "$@" >/dev/null 2>&1 || true
  token=$("$bin" token create "crash@$label.test" --name crash --days 1 "$@")
  local acks=0 cut=0
  for r in $(seq "$rounds"); do
    writers "$token" "$acked" "$secs" > "$work/counts" &
    local w=$!
    # Kill at a random moment in the second half of the round, writes in flight.
    sleep "$(python3 -c "import random; print(round($secs * (0.5 + random.random() / 2), 2))")"
    kill -9 "$server"; wait "$server" 2>/dev/null || true
    wait $w
    cut=$((cut + $(python3 -c "import json; print(json.load(open('$work/counts'))['cut'])")))
    start "$@"
  done
  acks=$(wc -l < "$acked")
  read -r found lost < <(check "$token" "$acked")
  kill "$server"; wait "$server" 2>/dev/null || true
  server=
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$rounds" "$acks" "$cut" "$found" "$lost"
}

rows=$(
  campaign sqlite --data-dir "$work/sqlite"
  if psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS cohesion_crash' -c 'CREATE DATABASE cohesion_crash' >/dev/null 2>&1; then
    campaign postgres --data-dir "$work/pg" --database-url postgres://postgres@127.0.0.1:5432/cohesion_crash
  else
    echo "| postgres | not run: no server on 127.0.0.1:5432 | | | | |"
  fi
)
lost_total=$(awk -F'|' '{s += $7} END {print s + 0}' <<<"$rows")
{
  echo "# Crash safety: SIGKILL under writes"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, release build \`$(git rev-parse --short HEAD)\`,"
  echo "by \`bench/crash.sh $rounds $secs\`: 8 writers create projects through the API for"
  echo "$secs s a round; the server is killed (SIGKILL) at a random moment of the round's"
  echo "second half, then restarted; at the end every acknowledged (201) project is read back."
  echo
  echo "| backend | kills | writes acknowledged | requests without an answer (cut by the kill, or sent while the server was down) | found after restart | lost |"
  echo "|---|---|---|---|---|---|"
  echo "$rows"
  echo
  echo "Lost acknowledged writes in all: **$lost_total**."
} > bench/results/crash.md
cat bench/results/crash.md
[ "$lost_total" -eq 0 ]
