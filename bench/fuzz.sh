#!/usr/bin/env bash
# Runs the cargo fuzz targets one after the other (never two at once: the machine is
# shared), each for SECONDS (default 600), niced, and prints one Markdown row per target
# from libFuzzer's final line and stats (wall: the whole command, build check included;
# fuzzing: libFuzzer's own "Done N runs in S seconds"). Logs: fuzz/logs/<target>.log (not committed).
#
#   bench/fuzz.sh [seconds] [target…]      # default: every target, most exposed first
#
# Needs the nightly toolchain and `cargo install cargo-fuzz --locked`. A crash stops that
# target (its input is in fuzz/artifacts/<target>/) and the next one starts.
set -u
cd "$(dirname "$0")/../fuzz"
secs=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(table members organisation project pact project_files measurements referential)
fi
mkdir -p logs
unset CARGO_TARGET_DIR
nice -n 10 cargo +nightly fuzz build >/dev/null 2>logs/build.log || { tail -20 logs/build.log; exit 1; }
commit=$(git rev-parse --short HEAD)
echo "| target | wall | fuzzing | executions | exec/s | corpus | cov | ft | crashes | commit | date |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for t in "${targets[@]}"; do
    log=logs/$t.log
    start=$(date +%s)
    nice -n 10 cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    wall=$(( $(date +%s) - start ))
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    fuzzed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1 s/p' "$log" | tail -1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    if [ "$rc" -eq 0 ]; then crashes=0; else crashes="exit $rc: $(grep -m1 -E 'ERROR: libFuzzer|panicked at|SUMMARY' "$log" | cut -c1-120)"; fi
    echo "| $t | ${wall} s | ${fuzzed:-?} | ${runs:-?} | ${rate:-?} | ${corp:-?} | ${cov:-?} | ${ft:-?} | $crashes | $commit | $(date -u +%F) |"
done
