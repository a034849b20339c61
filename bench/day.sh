#!/usr/bin/env bash
# The mixed load of a real day, for minutes (issues 15 and 16): run it before any change
# to a hot path. Release build, every shipped dataset, SQLite (default) or PostgreSQL
# (BACKEND=postgres, a fresh database `cohesion_day` on 127.0.0.1).
#
#   - readers: wrk -t2 -c32 (closed loop: the server's capacity), each request drawn from
#     a mix of territory searches, commune/département/région pages, territory overviews
#     (API), programme pages, project pages and project search;
#   - writers, beside them: projects created and edited (If-Match), pacts created and
#     edited, one write every 0.5 s;
#   - an evaluation job queued at the start and every 2 minutes (Petites villes de
#     demain on population, the one outcome shipped);
#   - every SLICE seconds: requests/s, p50, p99, non-2xx and socket errors of the
#     readers, the writers' errors, and the server's RSS.
# Writes bench/results/day-<backend>.md and bench/results/day-<backend>.svg (p99 and RSS
# over time). Fails if any request failed.
#
# Usage: [BACKEND=sqlite|postgres] bench/day.sh [minutes, default 10] [slice seconds, default 30]
# Needs: wrk, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
slice=${2:-30}
backend=${BACKEND:-sqlite}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
# The same invocation as bench/territory.sh: built apart, the two resolve different
# features and rebuild each other's dependencies.
cargo build --release -q --locked -p cohesion -p cohesion-web --bin cohesion --example bare_axum
bin=${CARGO_TARGET_DIR:-target}/release/cohesion
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
db=(--data-dir "$work/data")
if [ "$backend" = postgres ]; then
  psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS cohesion_day' -c 'CREATE DATABASE cohesion_day' >/dev/null
  db+=(--database-url postgres://postgres@127.0.0.1:5432/cohesion_day)
fi
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
RUST_LOG=warn "$bin" serve --addr "127.0.0.1:$port" "${db[@]}" >"$work/server.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1200); do curl -sf "$base/livez" >/dev/null && break; sleep 0.5; done
curl -sf "$base/livez" >/dev/null || { tail "$work/server.log"; exit 1; }
"$bin" user create --admin day@bench.test "${db[@]}" >/dev/null
token=$("$bin" token create day@bench.test --name day --days 1 "${db[@]}")

# The readers' mix, drawn from the API (the same every run: sorted, fixed stride).
BASE=$base python3 - "$work/mix.lua" <<'PY'
import json, os, sys, urllib.parse, urllib.request
base = os.environ["BASE"]
def get(path):
    return json.load(urllib.request.urlopen(base + path))
def codes(kind, n):
    out, offset = [], 0
    while True:
        items = get(f"/api/v1/territories?kind={kind}&limit=200&offset={offset}")["items"]
        out += [t["code"] for t in items]
        offset += len(items)
        if len(items) < 200 or offset >= 40000:
            break
    out.sort()
    return out[:: max(1, len(out) // n)][:n]
paths = []
for q in ["saint etienne", "lyon", "sa", "42000", "montagne", "bourg", "l'isle", "ste marie"]:
    paths.append("/api/v1/territories?q=" + urllib.parse.quote(q))
    paths.append("/territoires?q=" + urllib.parse.quote(q))
for c in codes("commune", 200):
    paths += [f"/territoires/commune/{c}", f"/api/v1/territories/commune/{c}/overview"]
for c in codes("departement", 40):
    paths += [f"/territoires/departement/{c}", f"/api/v1/territories/departement/{c}/overview"]
for c in codes("region", 18):
    paths += [f"/territoires/region/{c}"]
for p in get("/api/v1/programmes")["items"][:12]:
    paths.append(f"/programmes/{p['code']}")
for p in get("/api/v1/projects?limit=100")["items"]:
    paths.append(f"/projets/{p['id']}")
for q in ["ecole", "voirie", "salle polyvalente", "eglise", "assainissement"]:
    paths.append("/api/v1/search?q=" + urllib.parse.quote(q))
    paths.append("/projets?q=" + urllib.parse.quote(q))
with open(sys.argv[1], "w") as f:
    f.write("local paths = {\n" + "".join(f"  {json.dumps(p)},\n" for p in paths) + "}\n")
    f.write("math.randomseed(20261206)\n")
    f.write("request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")
print(len(paths), "addresses in the readers' mix", file=sys.stderr)
PY

# Writers: projects and pacts, created then edited with If-Match, one write every 0.5 s.
TOKEN=$token BASE=$base SECS=$((minutes * 60)) python3 - >"$work/writers.json" <<'PY' &
import json, os, time, urllib.request, urllib.error
base, token, stop = os.environ["BASE"], os.environ["TOKEN"], time.time() + float(os.environ["SECS"])
counts = {"writes": 0, "errors": 0, "evaluations": 0}
def call(method, path, body=None, etag=None):
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    if etag:
        headers["If-Match"] = etag
    req = urllib.request.Request(base + path, method=method, headers=headers,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r), r.headers.get("ETag")
def step(f):
    try:
        out = f()
        counts["writes"] += 1
        return out
    except Exception as e:
        counts["errors"] += 1
        counts.setdefault("first_error", repr(e))
        return None
    finally:
        time.sleep(0.5)
i, next_eval = 0, 0.0
while time.time() < stop:
    if time.time() >= next_eval:
        try:
            call("POST", "/api/v1/evaluations", {"treated": {"type": "programme", "code": "pvd"},
                 "indicator": "population", "method": "imputation", "control": "never", "from": 2015, "to": 2026})
            counts["evaluations"] += 1
        except Exception as e:
            counts["errors"] += 1
            counts.setdefault("first_error", repr(e))
        next_eval = time.time() + 120
    i += 1
    made = step(lambda: call("POST", "/api/v1/projects", {"name": f"Projet de la journée {i}",
        "territories": [{"kind": "commune", "code": "42218"}], "phase": "study", "phase_status": "in_progress"}))
    if not made:
        continue
    (project, etag) = made
    step(lambda: call("PATCH", f"/api/v1/projects/{project['id']}", {"description": f"Modifié ({i})"}, etag))
    pact = step(lambda: call("POST", "/api/v1/pacts", {"kind": "cohesion", "title": f"Pacte de la journée {i}",
        "perimeter": [{"kind": "commune", "code": "42218"}],
        "parties": [{"kind": "state", "name": "Préfecture de la Loire"},
                    {"kind": "local_authority", "name": "Saint-Étienne", "siren": "214202186"}], "owner": "state",
        "actions": [project["id"]]}))
    if pact:
        (p, etag) = pact
        step(lambda: call("PATCH", f"/api/v1/pacts/{p['id']}", {"description": f"Revu ({i})"}, etag))
print(json.dumps(counts))
PY
writers=$!
pids+=("$writers")

rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$server/status"; }
slices=$(( minutes * 60 / slice ))
echo "t_s	rps	p50	p99	non2xx	socket_errors	rss_mb" >"$work/series.tsv"
for n in $(seq "$slices"); do
  out=$(wrk -t2 -c32 -d"${slice}s" --latency -s "$work/mix.lua" "$base")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  sock=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$((n * slice))" "$rps" "$p50" "$p99" "${non2xx:-0}" "${sock:-0}" "$(rss)" \
    | tee -a "$work/series.tsv"
done
wait "$writers" || true
writes=$(cat "$work/writers.json")
panics=$(grep -c "panicked" "$work/server.log" || true)
out=bench/results/day-$backend
python3 - "$work/series.tsv" "$out" "$backend" "$minutes" "$slice" "$writes" "$panics" \
  "$(git rev-parse --short HEAD)" "$(nproc)" <<'PY'
import json, sys
series, out, backend, minutes, slice_s, writes, panics, commit, cores = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(series)][1:]
def ms(v):
    v = v.strip()
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
    return float("nan")
t = [int(r[0]) for r in rows]
p99 = [ms(r[3]) for r in rows]
rss = [int(r[6]) for r in rows]
errors = sum(int(r[4] or 0) + int(r[5] or 0) for r in rows)
w = json.loads(writes)
# The plot: p99 (ms) and RSS (MB) against time, two panels, plain SVG.
def panel(y0, values, label, colour):
    top = max(values) * 1.15 or 1
    pts = " ".join(f"{60 + 520 * (x - t[0]) / max(1, t[-1] - t[0]):.1f},{y0 + 150 - 150 * v / top:.1f}"
                   for x, v in zip(t, values))
    return (f'<text x="60" y="{y0 - 8}" font-size="13">{label} (max {max(values):.1f})</text>'
            f'<line x1="60" y1="{y0 + 150}" x2="580" y2="{y0 + 150}" stroke="#888"/>'
            f'<line x1="60" y1="{y0}" x2="60" y2="{y0 + 150}" stroke="#888"/>'
            f'<text x="52" y="{y0 + 5}" font-size="11" text-anchor="end">{top:.0f}</text>'
            f'<text x="52" y="{y0 + 150}" font-size="11" text-anchor="end">0</text>'
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}"/>')
svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="440" font-family="sans-serif">'
       f'<rect width="600" height="440" fill="white"/>'
       + panel(30, p99, "p99 des lectures, ms", "#000091") + panel(250, rss, "mémoire résidente, Mo", "#c9191e")
       + f'<text x="320" y="430" font-size="11" text-anchor="middle">secondes depuis le début ({t[-1]} s)</text></svg>')
open(out + ".svg", "w").write(svg)
with open(out + ".md", "w") as f:
    f.write(f"# The mixed load of a day — {backend}, {minutes} min\n\n")
    f.write(f"`bench/day.sh` on {cores} cores, release build `{commit}`: readers with wrk -t2 -c32 over a mix of\n"
            "territory searches and pages, overviews, programme and project pages and project search;\n"
            "projects and pacts created and edited (If-Match) every 0.5 s beside them; an evaluation job\n"
            "queued every 2 minutes. Server, writers and load generator share the machine's cores.\n\n")
    f.write(f"- Reader errors (non-2xx and socket errors): **{errors}**; writers: {w.get('writes', 0)} writes, "
            f"**{w.get('errors', 0)}** errors, {w.get('evaluations', 0)} evaluations queued"
            + (f" (first error: `{w['first_error']}`)" if w.get("first_error") else "") + f"; panics logged: {panics}.\n")
    f.write(f"- RSS: {rss[0]} MB after the first slice, {rss[-1]} MB at the end, at most {max(rss)} MB.\n")
    f.write(f"- Reader p99 per slice: from {min(p99):.1f} to {max(p99):.1f} ms.\n\n")
    f.write(f"![p99 and RSS over time](day-{backend}.svg)\n\n")
    f.write("| seconds | requests/s | p50 | p99 | non-2xx | socket errors | RSS (MB) |\n|---:|---:|---:|---:|---:|---:|---:|\n")
    for r in rows:
        f.write("| " + " | ".join(r) + " |\n")
print(open(out + ".md").read())
sys.exit(1 if errors or w.get("errors", 0) or int(panics) else 0)
PY
