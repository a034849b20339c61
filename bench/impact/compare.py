"""Cross-check and race our impact estimators against the Python reference.

Run by run.sh (which builds the panels and our timings). Reads the panel CSV, runs
pyfixest (TWFE static and event study, did2s) and csdid (Callaway & Sant'Anna), times
them, compares with our JSON, and writes bench/results/impact.{md,json}.
"""

import argparse
import importlib.metadata
import json
import platform
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd


def load(path):
    df = pd.read_csv(path, dtype={"unit": str})
    df["uid"] = df["unit"].str[1:].astype(int)
    df["treat"] = ((df.first_treated > 0) & (df.year >= df.first_treated)).astype(float)
    # never-treated units are coded at the reference event time, like our event study
    df["rel"] = np.where(df.first_treated > 0, df.year - df.first_treated, -1)
    return df


CPU = {}


def timed(fn, repeats, label=None):
    """Fastest of `repeats` runs (least disturbed by other work), as on our side; the
    mean process CPU time (all threads) is kept in CPU[label]."""
    times, cpu, out = [], [], None
    for _ in range(repeats):
        c = time.process_time()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    if label:
        CPU[label] = float(np.mean(cpu))
    return out, float(np.min(times))


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def pyfixest_twfe(df, repeats):
    import pyfixest as pf

    pf.feols("outcome ~ treat | unit + year", data=df, vcov={"CRV1": "unit"})  # JIT warm-up
    fit, secs = timed(lambda: pf.feols("outcome ~ treat | unit + year", data=df, vcov={"CRV1": "unit"}), repeats,
                      "twfe_static")
    es, es_secs = timed(lambda: pf.feols("outcome ~ i(rel, ref=-1) | unit + year", data=df, vcov={"CRV1": "unit"}),
                        repeats, "twfe_event_study")
    coefs = es.coef()
    ses = es.se()
    events = {}
    for name in coefs.index:
        # names look like "C(rel, contr.treatment(base=-1))[T.-9]" or "rel::-9"
        token = name.replace("]", "").split("T.")[-1].split("::")[-1]
        events[int(float(token))] = (float(coefs[name]), float(ses[name]))
    return {"estimate": float(fit.coef()["treat"]), "std_error": float(fit.se()["treat"]), "seconds": secs, "event_study_seconds": es_secs,
            "events": events}


def reference_cs(df, control):
    from csdid.att_gt import ATTgt

    t = time.perf_counter()
    att = ATTgt(yname="outcome", tname="year", idname="uid", gname="first_treated", data=df,
                control_group=[control]).fit(est_method="dr", base_period="varying", bstrap=False)
    simple = att.aggte(typec="simple", bstrap=False).atte
    secs = time.perf_counter() - t
    dyn = att.aggte(typec="dynamic", bstrap=False).atte
    events = {int(e): (float(a), float(s)) for e, a, s in zip(dyn["egt"], dyn["att_egt"], dyn["se_egt"])}
    return {"estimate": float(np.ravel(simple["overall_att"])[0]), "std_error": float(np.ravel(simple["overall_se"])[0]),
            "seconds": secs, "events": events}


DID2S_CHILD = r"""
import json, resource, sys, time
import pandas as pd, numpy as np
limit = int(sys.argv[2]) * 1024**3
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import pyfixest as pf
df = pd.read_csv(sys.argv[1], dtype={"unit": str})
df["treat"] = ((df.first_treated > 0) & (df.year >= df.first_treated)).astype(float)
t = time.perf_counter()
fit = pf.did2s(df, yname="outcome", first_stage="~ 0 | unit + year", second_stage="~ treat",
               treatment="treat", cluster="unit")
secs = time.perf_counter() - t
print(json.dumps({"estimate": float(fit.coef()["treat"]), "std_error": float(fit.se()["treat"]), "seconds": secs}))
"""


def did2s(path, limit_gb, timeout_s):
    t = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-c", DID2S_CHILD, path, str(limit_gb)], capture_output=True, text=True,
                           timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"failed": f"no result after {timeout_s} s (stopped)"}
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["killed"])[-1]
        return {"failed": f"exit {p.returncode} after {time.perf_counter() - t:.1f} s: {tail[:200]}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def dense_bjs(df):
    """BJS conservative SE with dense matrices (the textbook formula), small panels only."""
    d = df.sort_values(["unit", "year"]).reset_index(drop=True)
    units = {u: i for i, u in enumerate(sorted(d.unit.unique()))}
    years = sorted(d.year.unique())
    ui = d.unit.map(units).to_numpy()
    yi = d.year.map({y: i for i, y in enumerate(years)}).to_numpy()
    n_u, n_t = len(units), len(years)
    Z = np.zeros((len(d), n_u + n_t - 1))
    Z[np.arange(len(d)), ui] = 1.0
    mask = yi > 0
    Z[np.arange(len(d))[mask], n_u + yi[mask] - 1] = 1.0
    tr = d.treat.to_numpy() > 0
    y = d.outcome.to_numpy()
    Z0, Z1 = Z[~tr], Z[tr]
    theta = np.linalg.solve(Z0.T @ Z0, Z0.T @ y[~tr])
    tau = y[tr] - Z1 @ theta
    w = np.full(tr.sum(), 1.0 / tr.sum())
    v = np.zeros(len(d))
    v[tr] = w
    v[~tr] = -Z0 @ np.linalg.solve(Z0.T @ Z0, Z1.T @ w)
    eps = np.zeros(len(d))
    eps[~tr] = y[~tr] - Z0 @ theta
    dt = d[tr].assign(tau=tau, e=d[tr].year - d[tr].first_treated)
    tau_bar = dt.groupby(["first_treated", "e"])["tau"].transform("mean").to_numpy()
    eps[tr] = tau - tau_bar
    per_unit = np.bincount(ui, weights=v * eps, minlength=n_u)
    return {"estimate": float(w @ tau), "std_error": float(np.sqrt((per_unit**2).sum())),
            }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--panel", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--small-panel", required=True)
    ap.add_argument("--small-ours", required=True)
    ap.add_argument("--out-json", required=True)
    ap.add_argument("--out-md", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--did2s-limit-gb", type=int, default=8)
    ap.add_argument("--did2s-timeout", type=int, default=600)
    a = ap.parse_args()

    import csdid
    import pyfixest

    df = load(a.panel)
    ours = json.load(open(a.ours))
    small_ours = json.load(open(a.small_ours))
    est = ours["estimators"]
    print("pyfixest TWFE ...", flush=True)
    pf_twfe = pyfixest_twfe(df, a.repeats)
    print("csdid (never) ...", flush=True)
    cs_never = reference_cs(df, "nevertreated")
    print("csdid (notyet) ...", flush=True)
    cs_notyet = reference_cs(df, "notyettreated")
    print("pyfixest did2s (full) ...", flush=True)
    d2s_full = did2s(a.panel, a.did2s_limit_gb, a.did2s_timeout)
    print("pyfixest did2s (small) + dense BJS ...", flush=True)
    d2s_small = did2s(a.small_panel, a.did2s_limit_gb, a.did2s_timeout)
    dense_small = dense_bjs(load(a.small_panel))

    rows = []  # (what, ours, reference, rel diff)

    def cmp(what, o, r):
        rows.append({"what": what, "ours": o, "reference": r, "rel_diff": rel(o, r)})

    cmp("TWFE estimate vs pyfixest", est["twfe"]["estimate"], pf_twfe["estimate"])
    cmp("TWFE SE (CR1) vs pyfixest", est["twfe"]["std_error"], pf_twfe["std_error"])
    for e in est["twfe"]["event_time"]:
        if e["event_time"] in pf_twfe["events"]:
            r = pf_twfe["events"][e["event_time"]]
            cmp(f"TWFE event {e['event_time']:+d} estimate", e["estimate"], r[0])
            cmp(f"TWFE event {e['event_time']:+d} SE", e["std_error"], r[1])
    for key, ref, label in [("cs_never", cs_never, "never"), ("cs_notyet", cs_notyet, "not-yet")]:
        cmp(f"CS ({label}) simple estimate vs csdid", est[key]["estimate"], ref["estimate"])
        cmp(f"CS ({label}) simple SE vs csdid", est[key]["std_error"], ref["std_error"])
        for e in est[key]["event_time"]:
            if e["event_time"] in ref["events"]:
                r = ref["events"][e["event_time"]]
                cmp(f"CS ({label}) event {e['event_time']:+d} estimate", e["estimate"], r[0])
                cmp(f"CS ({label}) event {e['event_time']:+d} SE", e["std_error"], r[1])
    if "estimate" in d2s_full:
        cmp("Imputation estimate vs did2s (full; iterative first stage, tol 1e-6)", est["imputation"]["estimate"],
            d2s_full["estimate"])
    si = small_ours["estimators"]["imputation"]
    if "estimate" in d2s_small:
        cmp("Imputation estimate vs did2s (small; iterative first stage, tol 1e-6)", si["estimate"],
            d2s_small["estimate"])
    cmp("Imputation estimate vs dense BJS (small)", si["estimate"], dense_small["estimate"])
    cmp("Imputation SE vs dense BJS formula (small)", si["std_error"], dense_small["std_error"])

    base = pf_twfe["seconds"]
    both = base + pf_twfe["event_study_seconds"]
    base_cpu = CPU["twfe_static"]
    speed = {k: {"ours_seconds": v["seconds"], "speedup_vs_pyfixest_twfe": base / v["seconds"],
                 "speedup_vs_pyfixest_twfe_static_plus_event_study": both / v["seconds"],
                 "ours_cpu_seconds": v.get("cpu_seconds"),
                 "cpu_speedup_vs_pyfixest_twfe": base_cpu / v["cpu_seconds"] if v.get("cpu_seconds") else None}
             for k, v in est.items()}
    result = {
        "panel": {"rows": ours["rows"], "units": ours["units"], "years": ours["years"]},
        "machine": platform.platform(),
        "versions": {"pyfixest": pyfixest.__version__, "csdid": importlib.metadata.version("csdid"), "numpy": np.__version__,
                     "pandas": pd.__version__},
        "pyfixest_twfe_seconds": base,
        "pyfixest_event_study_seconds": pf_twfe["event_study_seconds"],
        "pyfixest_cpu_seconds": CPU,
        "csdid_seconds": {"never": cs_never["seconds"], "notyet": cs_notyet["seconds"]},
        "did2s_full": d2s_full,
        "did2s_small": d2s_small,
        "dense_bjs_small": dense_small,
        "ours_panel_build_seconds": ours["panel_build_seconds"],
        "speed": speed,
        "agreement": rows,
        "max_rel_diff_estimates": max(r["rel_diff"] for r in rows if "SE" not in r["what"] and "did2s" not in r["what"]),
        "max_rel_diff_se": max(r["rel_diff"] for r in rows if "SE" in r["what"]),
    }
    json.dump(result, open(a.out_json, "w"), indent=2, default=str)

    md = ["# Impact estimators: cross-check and race against the Python reference", "",
          f"Panel: {ours['rows']:,} rows ({ours['units']:,} units × {ours['years']} years), simulated by "
          "`crates/core/examples/simulate_panel.rs` (seed 2026, 5 adoption cohorts, growing and cohort-specific "
          "effects, AR(1) noise). Both sides timed in the same run on the same machine "
          f"(`{platform.platform()}`, 2 cores shared). Generated by `bench/impact/run.sh`.", "",
          f"Reference versions: pyfixest {pyfixest.__version__}, csdid {result['versions']['csdid']}, numpy {np.__version__}, "
          f"pandas {pd.__version__}.", "",
          "## Speed (fastest of repeated runs on both sides; data loading excluded on both sides)", "",
          "Our `twfe` computes the static estimate and the event study; pyfixest's static TWFE alone is the "
          "issue's yardstick, static + event study is the like-for-like comparison for `twfe`.", "",
          "| ours | ours (s) | pyfixest TWFE static (s) | speed-up | pyfixest static + event study (s) | speed-up |",
          "|---|---:|---:|---:|---:|---:|"]
    for k, v in speed.items():
        md.append(f"| {k} | {v['ours_seconds']:.4f} | {base:.4f} | {v['speedup_vs_pyfixest_twfe']:.1f}× | {both:.4f} | "
                  f"{v['speedup_vs_pyfixest_twfe_static_plus_event_study']:.1f}× |")
    md += ["", "CPU time (mean over the same runs; process CPU time of all threads on the Python side — pyfixest "
           "runs some steps on several threads — and thread CPU time on ours):",
           "", "| ours | ours CPU (s) | pyfixest TWFE static CPU (s) | speed-up |", "|---|---:|---:|---:|"]
    for k, v in speed.items():
        if v["ours_cpu_seconds"]:
            md.append(f"| {k} | {v['ours_cpu_seconds']:.4f} | {base_cpu:.4f} | {v['cpu_speedup_vs_pyfixest_twfe']:.1f}× |")
    md += ["", f"Our panel construction from rows (hashing {ours['units']:,} labels, sorting): "
           f"{ours['panel_build_seconds']:.4f} s.",
           f"csdid (fit + simple aggregation): {cs_never['seconds']:.2f} s (never-treated), "
           f"{cs_notyet['seconds']:.2f} s (not-yet-treated).", ""]
    if "seconds" in d2s_full:
        md.append(f"pyfixest `did2s` (Gardner two-stage, GMM SE) at full scale: {d2s_full['seconds']:.2f} s, "
                  f"estimate {d2s_full['estimate']:.10f}, SE {d2s_full['std_error']:.6f} (its SE is Gardner's, not BJS's).")
    else:
        md.append(f"pyfixest `did2s` at full scale (address-space limit {a.did2s_limit_gb} GiB, time limit "
                  f"{a.did2s_timeout} s): **no result** ({d2s_full['failed']}).")
    n_par = ours["units"] + ours["years"] - 1
    dense_gib = ours["rows"] * n_par * 8 / 1024**3
    md += ["", f"A dense BJS standard error at full scale needs the {ours['rows']:,} × {n_par:,} design matrix alone: "
           f"{dense_gib:.0f} GiB; ours computes it with one exact fixed-effect solve "
           f"per weight vector ({est['imputation']['seconds']:.4f} s for the estimate, its SE and the event-time profile).",
           "", "## Agreement", "",
           f"Largest relative difference: estimates {result['max_rel_diff_estimates']:.2e}, standard errors "
           f"{result['max_rel_diff_se']:.2e}.", "", "| quantity | ours | reference | relative difference |",
           "|---|---:|---:|---:|"]
    for r in rows:
        md.append(f"| {r['what']} | {r['ours']:.10g} | {r['reference']:.10g} | {r['rel_diff']:.1e} |")
    md += ["", "Small-sample corrections matched (see docs/impact.md):", "",
           "- TWFE: CR1 clustered by unit, `G/(G-1) · (N-1)/(N-K)` with `K` = regressors + year effects — "
           "pyfixest's default `ssc()` (`k_fixef=\"nonnested\"`: unit effects nested in the clusters are not counted).",
           "- CS: analytical influence-function SE `sqrt(Σ IF²)/n` (csdid/did with `bstrap=False`), no small-sample "
           "factor; `simple` and `dynamic` aggregations include the weight-estimation term.",
           "- Imputation: BJS conservative SE (no small-sample factor), τ̄ by cohort × event time, checked against the "
           "dense-matrix formula on a small panel; `did2s` reports Gardner's GMM SE, a different estimator of the "
           "variance, so only its point estimate is compared. Its first stage is solved iteratively (pyfixest's "
           "demeaning and fixed-effect recovery, default tolerance 1e-6, not exposed by `did2s`), hence agreement at "
           "about 1e-5 only; the exact dense formula agrees with ours to machine precision.", ""]
    open(a.out_md, "w").write("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
