#!/usr/bin/env bash
# Programme computations and the territory overview under load, in one run:
# 1. in process: the programme index, eligibility rules over the 34,969 communes,
#    the overlap matrix, a territory's programmes and nearest France services places
#    (crates/core/examples/programme_latency.rs);
# 2. the real server (release, embedded SQLite, shipped referential and programmes)
#    under wrk: the overview of a commune, a département and a région, and the
#    programme endpoints and pages, next to the trivial /livez (the ceiling).
# Writes bench/results/programmes.md.
#
# Usage: bench/programmes.sh [seconds per endpoint, default 10]
# Needs: wrk (apt-get install wrk), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
cargo build --release -q -p cohesion
cargo build --release -q -p cohesion-core --example programme_latency
target=${CARGO_TARGET_DIR:-target}
inprocess=$("$target/release/examples/programme_latency")
bin=$target/release/cohesion
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
RUST_LOG=warn "$bin" serve --addr "127.0.0.1:$port" --data-dir "$data" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 240); do curl -sf "$base/health" >/dev/null && break; sleep 0.5; done

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
  run "overview commune 42181 (Régny)" "/api/v1/territories/commune/42181/overview"
  run "overview commune 75056 (Paris, 40 places)" "/api/v1/territories/commune/75056/overview"
  run "overview departement 42" "/api/v1/territories/departement/42/overview"
  run "overview region 84" "/api/v1/territories/region/84/overview"
  run "programmes (catalogue)" "/api/v1/programmes"
  run "pvd members, 50" "/api/v1/programmes/pvd/members?limit=50"
  run "overlap" "/api/v1/programmes/overlap"
  run "pvd eligibility" "/api/v1/programmes/pvd/eligibility?limit=20"
  run "page /programmes/pvd" "/programmes/pvd"
  run "page commune 42181" "/territoires/commune/42181"
)
ceiling=$(head -1 <<<"$results" | cut -f2)
{
  echo "# Programmes — $(date -u +%Y-%m-%d), $(nproc) cores"
  echo
  echo "## In process (release), shipped referential and lists"
  echo
  echo "$inprocess"
  echo
  echo "## Under load: wrk -t2 -c32 -d${secs}s on loopback"
  echo
  echo "Release build, embedded SQLite, shipped referential (36,404 territories) and"
  echo "programmes (11,013 memberships, 2,845 France services places). Server and load"
  echo "generator share the machine's cores (and, here, with other builds)."
  echo
  echo "| endpoint | requests/s | share of /livez | p50 | p99 |"
  echo "|---|---:|---:|---:|---:|"
  while IFS=$'\t' read -r name rps p50 p99; do
    share=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { printf "%.0f %%", 100 * a / b }')
    echo "| $name | $rps | $share | $p50 | $p99 |"
  done <<<"$results"
  echo
  echo "Target (issue 5): evaluating an eligibility rule over the 34,969 communes under 50 ms."
} | tee bench/results/programmes.md
