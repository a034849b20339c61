#!/usr/bin/env bash
# Load run against the real server (release build, embedded SQLite, full referential):
# search, territory detail and the trivial /livez endpoint of the same server (the
# ceiling), in one run, with wrk on loopback. Writes bench/results/load.md.
#
# Usage: bench/load.sh [seconds per endpoint, default 10]
# Needs: wrk (apt-get install wrk), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
cargo build --release -q -p cohesion
bin=${CARGO_TARGET_DIR:-target}/release/cohesion
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
RUST_LOG=warn "$bin" serve --addr "127.0.0.1:$port" --data-dir "$data" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
base="http://127.0.0.1:$port"
# Warm-up start measured: a second start on the same data directory (no seeding).
kill $server; wait $server 2>/dev/null || true
start=$(date +%s%N)
RUST_LOG=warn "$bin" serve --addr "127.0.0.1:$port" --data-dir "$data" &
server=$!
until curl -sf "$base/livez" >/dev/null; do sleep 0.02; done
start_ms=$(( ($(date +%s%N) - start) / 1000000 ))

run() { # name path
  local out
  out=$(wrk -t2 -c32 -d"${secs}s" --latency "$base$2")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '%s\t%s\t%s\t%s\n' "$1" "$rps" "$p50" "$p99"
}
results=$(
  run "trivial /livez (ceiling)" "/livez"
  run "search q=saint etienne" "/api/v1/territories?q=saint%20etienne"
  run "search q=sa (5,480 matches)" "/api/v1/territories?q=sa"
  run "search q=42000 (postcode)" "/api/v1/territories?q=42000"
  run "detail commune 42218" "/api/v1/territories/commune/42218"
  run "children departement 42, communes" "/api/v1/territories/departement/42/children?kind=commune&limit=50"
  run "overview commune 42181" "/api/v1/territories/commune/42181/overview"
  run "overview departement 42" "/api/v1/territories/departement/42/overview"
  run "overview region 84" "/api/v1/territories/region/84/overview"
  if curl -sf "$base/" -o /dev/null; then
    run "page / (home)" "/"
    run "page /territoires?q=saint" "/territoires?q=saint"
    run "page commune 42218" "/territoires/commune/42218"
    run "page departement 42" "/territoires/departement/42"
    run "page region 84" "/territoires/region/84"
  fi
)
ceiling=$(head -1 <<<"$results" | cut -f2)
{
  echo "# Load run — $(date -u +%Y-%m-%d), $(nproc) cores, wrk -t2 -c32 -d${secs}s on loopback"
  echo
  echo "Release build, embedded SQLite, full referential (36,404 territories). Server and"
  echo "load generator share the machine's cores. Restart on an existing data directory"
  echo "until \`/livez\` answers: **${start_ms} ms**."
  echo
  echo "| endpoint | requests/s | share of /livez | p50 | p99 |"
  echo "|---|---:|---:|---:|---:|"
  while IFS=$'\t' read -r name rps p50 p99; do
    share=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { printf "%.0f %%", 100 * a / b }')
    echo "| $name | $rps | $share | $p50 | $p99 |"
  done <<<"$results"
  echo
  echo "Target (issue 2): search throughput ≥ 25 % of the trivial endpoint's."
} | tee bench/results/load.md
