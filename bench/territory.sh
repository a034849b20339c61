#!/usr/bin/env bash
# The territory pages against /livez and a bare axum endpoint, in one run (issue 16).
#
# Release build, every shipped dataset (first start seeds them), on SQLite (embedded)
# or PostgreSQL (BACKEND=postgres, a fresh database `cohesion_bench` on 127.0.0.1).
#   1. restart time (process start to /livez answering) and idle RSS after restart;
#   2. single requests, each territory asked for the first time since the restart
#      (nothing derived yet but the roll-ups, derived in the background at start):
#      300 communes, every département and région, pages and overview API — p50, p99, max;
#   3. wrk -t2 -c32 for SECS seconds each: the bare endpoint, /livez, home, search,
#      territory pages and overviews; throughput as a share of /livez and of the bare one;
#   4. RSS after the load.
#   5. PostgreSQL only: a second instance on the same database, its start and RSS, and
#      both instances loaded at once.
# Writes bench/results/territory-<backend>.md.
#
# Usage: [BACKEND=both|sqlite|postgres] bench/territory.sh [seconds per endpoint, default 8]
# (both, the default: SQLite then PostgreSQL, one after the other.)
# Needs: wrk, curl, python3 (apt-get install -y wrk curl).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-8}
backend=${BACKEND:-both}
if [ "$backend" = both ]; then
  # Both backends, one after the other, each with its own /livez and bare peer.
  BACKEND=sqlite "$0" "$@"
  BACKEND=postgres "$0" "$@"
  exit
fi
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
# One invocation for both: built apart, they resolve different features and rebuild
# each other's dependencies.
cargo build --release -q -p cohesion -p cohesion-web --bin cohesion --example bare_axum
target=${CARGO_TARGET_DIR:-target}
bin=$target/release/cohesion
bare=$target/release/examples/bare_axum
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
bare_port=$((port + 1))
base="http://127.0.0.1:$port"
args=(serve --addr "127.0.0.1:$port" --data-dir "$data")
if [ "$backend" = postgres ]; then
  psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS cohesion_bench' -c 'CREATE DATABASE cohesion_bench' >/dev/null
  args+=(--database-url postgres://postgres@127.0.0.1:5432/cohesion_bench)
fi
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$data"; rm -f "${names:-}"; if [ -n "${log:-}" ]; then rm -f "$log" "$log".?; fi; }
trap cleanup EXIT
log=$(mktemp)
RUST_LOG=warn "$bin" "${args[@]}" >"$log" 2>&1 &
server=$!
for _ in $(seq 600); do curl -sf "$base/livez" >/dev/null && break; sleep 0.5; done
kill "$server"; wait "$server" 2>/dev/null || true
# Restart on the seeded data: to /livez, then idle RSS once the background derivation ran.
start=$(date +%s%N)
RUST_LOG=info "$bin" "${args[@]}" >"$log" 2>&1 &
server=$!
pids+=("$server")
until curl -sf "$base/livez" >/dev/null; do sleep 0.01; done
start_ms=$(( ($(date +%s%N) - start) / 1000000 ))
for _ in $(seq 300); do grep -q "trajectory cohorts built" "$log" && break; sleep 0.1; done
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$server/status"; }
# Per component (App::load and the roll-ups): load time and resident memory it added.
components=$(python3 - "$log" <<'PY'
import re, sys
strip = re.compile(r"\x1b\[[0-9;]*m")
for line in open(sys.argv[1], errors="replace"):
    line = strip.sub("", line)
    f = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
    if "project full-text index built" in line:
        # Built on a blocking thread after the start (its memory is in the rows below).
        print(f"| project full-text index (background, after /livez) | {f.get('ms', '?')} ms | – | – |")
        continue
    if "component loaded" not in line:
        continue
    name = f.get("component", "?").strip('"')
    print(f"| {name} | {f.get('ms', '?')} ms | {f.get('rss_added_mb', '?')} MB | {f.get('rss_mb', '?')} MB |")
PY
)
sleep 1
rss_idle=$(rss)
"$bare" "127.0.0.1:$bare_port" &
pids+=("$!")
until curl -sf "http://127.0.0.1:$bare_port/" >/dev/null; do sleep 0.01; done

# Territories sampled from the API (the same every run: sorted codes, fixed stride).
codes() { # kind limit
  python3 - "$base" "$1" "$2" <<'PY'
import json, sys, urllib.request
base, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
codes = []
offset = 0
while True:
    url = f"{base}/api/v1/territories?kind={kind}&limit=200&offset={offset}"
    page = json.load(urllib.request.urlopen(url))
    items = page.get("items", page if isinstance(page, list) else [])
    if not items:
        break
    codes += [t["code"] for t in items]
    offset += len(items)
    if offset >= 40000 or len(items) < 200:
        break
codes.sort()
step = max(1, len(codes) // n)
print("\n".join(codes[::step][:n]))
PY
}
single() { # label url-prefix codes...
  local label=$1 prefix=$2; shift 2
  local urls=()
  for c in "$@"; do urls+=("$base$prefix$c" -o /dev/null); done
  curl -s -w '%{time_total}\n' "${urls[@]}" | python3 -c '
import sys
t = sorted(float(x) * 1000 for x in sys.stdin if x.strip())
q = lambda p: t[min(len(t) - 1, int(p * len(t)))]
print(f"| {sys.argv[1]} | {len(t)} | {q(0.5):.1f} ms | {q(0.99):.1f} ms | {t[-1]:.1f} ms |")' "$label"
}
mapfile -t communes < <(codes commune 300)
mapfile -t deps < <(codes departement 200)
mapfile -t regions < <(codes region 50)
singles=$(
  single "commune page" /territoires/commune/ "${communes[@]}"
  single "département page" /territoires/departement/ "${deps[@]}"
  single "région page" /territoires/region/ "${regions[@]}"
  single "commune overview (API)" /api/v1/territories/commune/ "${communes[@]/%//overview}"
  single "département overview (API)" /api/v1/territories/departement/ "${deps[@]/%//overview}"
  single "région overview (API)" /api/v1/territories/region/ "${regions[@]/%//overview}"
)

# Every commune's name, URL-encoded, in an order of their own: the searches that no
# kept answer serves (api::territory::Searches keeps about 600 recent answers).
names=$(mktemp)
python3 - data/territories.tsv >"$names" <<'PY'
import csv, random, sys, urllib.parse
with open(sys.argv[1], encoding="utf-8") as f:
    next(f)
    rows = [r["name"] for r in csv.DictReader(f, delimiter="\t") if r["kind"] == "commune"]
random.Random(16).shuffle(rows)
print("\n".join(urllib.parse.quote(n) for n in rows))
PY
run() { # name url [wrk script]
  local out
  out=$(NAMES=$names wrk -t2 -c32 -d"${secs}s" --latency ${3:+-s "$3"} "$2")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {e=1} END {print e ? "yes" : "no"}' <<<"$out")
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$rps" "$p50" "$p99" "$errors"
}
results=$(
  run "bare axum endpoint (peer)" "http://127.0.0.1:$bare_port/"
  run "/livez" "$base/livez"
  run "home page" "$base/"
  run "territory search \"saint etienne\" (API)" "$base/api/v1/territories?q=saint%20etienne"
  run "territory search, every commune's name in turn (API, none kept)" "$base" bench/search-names.lua
  run "commune page 42218" "$base/territoires/commune/42218"
  run "département page 42" "$base/territoires/departement/42"
  run "région page 84" "$base/territoires/region/84"
  run "commune overview 42218 (API)" "$base/api/v1/territories/commune/42218/overview"
  run "département overview 42 (API)" "$base/api/v1/territories/departement/42/overview"
  run "région overview 84 (API)" "$base/api/v1/territories/region/84/overview"
)
rss_load=$(rss)
# PostgreSQL: a second instance on the same database, started now (restart time and
# idle RSS of its own), then both loaded at once, half the connections each.
two=""
if [ "$backend" = postgres ]; then
  port2=$((port + 2))
  base2="http://127.0.0.1:$port2"
  args2=("${args[@]}")
  args2[2]="127.0.0.1:$port2"
  data2=$(mktemp -d)
  args2[4]="$data2"
  start2=$(date +%s%N)
  RUST_LOG=warn "$bin" "${args2[@]}" >"$log.2" 2>&1 &
  second=$!
  pids+=("$second")
  until curl -sf "$base2/livez" >/dev/null; do sleep 0.01; done
  start2_ms=$(( ($(date +%s%N) - start2) / 1000000 ))
  sleep 2
  rss2_idle=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$second/status")
  both() { # name path
    local a b w
    wrk -t1 -c16 -d"${secs}s" --latency "$base$2" >"$log.a" &
    w=$!
    wrk -t1 -c16 -d"${secs}s" --latency "$base2$2" >"$log.b"
    wait "$w"
    a=$(awk '/Requests\/sec/ {print $2}' "$log.a")
    b=$(awk '/Requests\/sec/ {print $2}' "$log.b")
    p99a=$(awk '$1=="99%" {print $2}' "$log.a")
    p99b=$(awk '$1=="99%" {print $2}' "$log.b")
    e=$(cat "$log.a" "$log.b" | awk '/Non-2xx|Socket errors/ {e=1} END {print e ? "yes" : "no"}')
    printf '| %s | %s | %s | %s | %s / %s | %s |\n' "$1" "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.0f", a + b}')" "$a" "$b" "$p99a" "$p99b" "$e"
  }
  two=$(
    both "/livez" /livez
    both "territory search \"saint etienne\" (API)" "/api/v1/territories?q=saint%20etienne"
    both "commune page 42218" /territoires/commune/42218
    both "département page 42" /territoires/departement/42
    both "région page 84" /territoires/region/84
  )
  rss2_load=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$second/status")
  rm -rf "$data2"
fi
bare_rps=$(sed -n 1p <<<"$results" | cut -f2)
livez_rps=$(sed -n 2p <<<"$results" | cut -f2)
out=bench/results/territory-$backend.md
{
  echo "# Territory pages — $(date -u +%Y-%m-%d), $(nproc) cores, $backend, wrk -t2 -c32 -d${secs}s"
  echo
  echo "Release build, every shipped dataset. Server, bare peer and load generator share the"
  echo "machine's cores. \`bench/territory.sh\` (BACKEND=$backend), tree \`$(git rev-parse --short HEAD)\`."
  echo
  echo "- Restart on the seeded data until \`/livez\` answers: **${start_ms} ms**; the roll-ups of every indicator are derived in the background after it (their time is in the component table)."
  echo "- RSS idle after the restart: **${rss_idle} MB**; after the single requests and the load below: **${rss_load} MB**."
  echo
  echo "## Memory and time per component at the restart"
  echo
  echo "Resident memory each component added while loading (an approximation: the allocator"
  echo "may keep freed pages, and a later component may reuse them)."
  echo
  echo "| component | load time | resident memory added | resident after |"
  echo "|---|---:|---:|---:|"
  echo "$components"
  echo
  echo "## Single requests, each territory for the first time since the restart"
  echo
  echo "| page | territories | p50 | p99 | max |"
  echo "|---|---:|---:|---:|---:|"
  echo "$singles"
  echo
  echo "## Throughput (same territory repeated)"
  echo
  echo "| address | requests/s | share of /livez | share of bare axum | p50 | p99 | errors |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  while IFS=$'\t' read -r name rps p50 p99 errors; do
    a=$(awk -v a="$rps" -v b="$livez_rps" 'BEGIN { printf "%.1f %%", 100 * a / b }')
    b=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN { printf "%.1f %%", 100 * a / b }')
    echo "| $name | $rps | $a | $b | $p50 | $p99 | $errors |"
  done <<<"$results"
  echo
  if [ -n "$two" ]; then
    echo "## Two instances on the same PostgreSQL database"
    echo
    echo "A second instance started on the seeded database while the first ran: **${start2_ms} ms**"
    echo "to \`/livez\`; its RSS idle **${rss2_idle} MB**, after the load **${rss2_load} MB**. Then"
    echo "\`wrk -t1 -c16\` against each instance at the same time (the machine's two cores shared by"
    echo "both instances and both load generators)."
    echo
    echo "| address | both, requests/s | first | second | p99 first / second | errors |"
    echo "|---|---:|---:|---:|---|---|"
    echo "$two"
    echo
  fi
  echo "Targets (issue 16): every territory page and overview ≤ 15 ms p99 single-request;"
  echo "commune page ≥ 10 % and département/région pages ≥ 5 % of /livez; /livez ≥ 80 % of the"
  echo "bare endpoint; territory search ≥ 40 % of it."
} | tee "$out"
