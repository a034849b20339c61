#!/usr/bin/env bash
# What the shipped population series (data/indicators/populations.tsv.gz, issue 18) costs
# a start, on SQLite:
#   1. the first start on an empty data directory (the series' vintages written once);
#   2. three restarts on it: time to /livez, the series' own step (`component loaded`
#      "population series (already loaded)"), idle RSS once the roll-ups are derived;
#   3. the same restarts after the series' values are deleted from the database (its
#      source versions kept, so nothing is reloaded): the difference is what the values
#      themselves cost a running server.
# Usage: bench/population_series.sh [BINARY] > bench/results/population-series.md
set -euo pipefail
bin=${1:-target/release/cohesion}
dir=$(mktemp -d)
port=${PORT:-18734}
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$dir"' EXIT

run() { # label → "ms rss_mb series_ms series_rss_added_mb rollups_ms"
  local log=$dir/$1.log t0 ms rss
  t0=$(date +%s%N)
  RUST_LOG=info COHESION_DATA_DIR=$dir/data "$bin" serve --addr "127.0.0.1:$port" >"$log" 2>&1 &
  server=$!
  until curl -sf "http://127.0.0.1:$port/livez" >/dev/null; do sleep 0.01; done
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  for _ in $(seq 600); do grep -q "indicator roll-ups derived" "$log" && break; sleep 0.1; done
  sleep 1
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$server/status")
  kill "$server"; wait "$server" 2>/dev/null || true
  server=
  python3 - "$log" "$ms" "$rss" <<'PY'
import re, sys
log, ms, rss = sys.argv[1:]
strip = re.compile(r"\x1b\[[0-9;]*m")
step, rollups = None, "?"
for line in open(log, errors="replace"):
    line = strip.sub("", line)
    if step is None and "component loaded" in line and "population series" in line:
        f = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
        step = (f.get("ms", "?"), f.get("rss_added_mb", "?"))
    if "indicator roll-ups derived" in line:
        rollups = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line)).get("ms", "?")
print(ms, rss, *(step or ("?", "?")), rollups)
PY
}

echo "# Population series: what it costs a start (SQLite)"
echo
echo "Binary \`$bin\`, $(nproc) cores, $(date -u +%Y-%m-%d). Each line is one start of \`cohesion serve\`"
echo "on the same data directory; 'series step' is the series' own \`component loaded\` line."
echo
echo "| start | to /livez | idle RSS | series step | RSS added by the step | roll-ups derived (background) |"
echo "|---|---|---|---|---|---|"
read -r ms rss sms sadd rup < <(run first)
echo "| first (empty directory: referential, programmes, projects, populations written) | $ms ms | $rss MB | $sms ms | $sadd MB | $rup ms |"
for i in 1 2 3; do
  read -r ms rss sms sadd rup < <(run "restart$i")
  echo "| restart $i | $ms ms | $rss MB | $sms ms | $sadd MB | $rup ms |"
done
db=$dir/data/cohesion.sqlite3
rows=$(sqlite3 "$db" "SELECT COUNT(*) FROM measurement m JOIN source_version s ON s.id = m.source_version WHERE s.name LIKE '%harmonisées%'")
size_with=$(du -m "$db" | cut -f1)
sqlite3 "$db" "DELETE FROM measurement WHERE source_version IN (SELECT id FROM source_version WHERE name LIKE '%harmonisées%'); VACUUM;"
for i in 1 2 3; do
  read -r ms rss sms sadd rup < <(run "without$i")
  echo "| restart $i without the series' $rows values (source versions kept) | $ms ms | $rss MB | $sms ms | $sadd MB | $rup ms |"
done
echo
echo "Database file: $size_with MB with the series, $(du -m "$db" | cut -f1) MB without its values (after VACUUM)."
