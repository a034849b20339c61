"""Cross-check of the weighted estimators (issue 18, point 3: matching weights fed into
TWFE, Callaway & Sant'Anna and imputation) against the Python references with the same
unit weights, on the panel our example read, in the same run (bench/impact/weighted.sh).

- `weights`: adds a `weight` column to a panel CSV, one positive weight per unit drawn
  from a seeded generator (log-normal, sd 0.6, times a multiplicity 1-3: the shape of
  matching weights with replacement), printed with repr so that both sides read the
  same doubles.
- `compare`: runs the references and writes bench/results/impact-weighted.{md,json}.
  * TWFE: pyfixest `feols(..., weights="weight")` (analytic weights), CRV1 by unit,
    static and event study (e = -1 omitted). Deterministic.
  * Callaway & Sant'Anna: csdid `ATTgt(..., weights_name="weight")`, never and
    not-yet-treated controls, `simple` and `dynamic` aggregations, analytical standard
    errors (bstrap=False). Deterministic.
  * Imputation: no maintained PyPI package computes BJS with weights at this scale
    (`did_imputation` is not on PyPI; pyfixest `did2s` builds a dense cells x units
    matrix: 11.4 GiB at 35,000 units, see impact.md). The reference is the textbook
    formula with sparse matrices (scipy): weighted first stage on untreated cells,
    `w_it = omega_i / sum(omega)`, `v0 = -Omega Z0 (Z0' Omega Z0)^-1 Z1' w`,
    tau-bar weighted by v^2 within cohort x event time, `se = sqrt(sum_i (sum_t v e)^2)`
    (R didimputation's definitions with `wname`). pyfixest `did2s(weights=...)` is run
    on the small panel for the point estimate (its first stage is iterative, tol 1e-6).
"""

import argparse
import importlib.metadata
import json
import platform
import subprocess
import sys
import time

import numpy as np
import pandas as pd


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def add_weights(src, dst, seed):
    df = pd.read_csv(src, dtype={"unit": str})
    units = np.array(sorted(df.unit.unique()))
    rng = np.random.default_rng(seed)
    w = np.exp(0.6 * rng.standard_normal(len(units))) * rng.integers(1, 4, len(units))
    df["weight"] = df.unit.map(dict(zip(units, w)))
    with open(dst, "w") as f:
        f.write("unit,year,outcome,first_treated,weight\n")
        for r in df.itertuples(index=False):
            f.write(f"{r.unit},{r.year},{r.outcome!r},{r.first_treated},{r.weight!r}\n")


def load(path):
    df = pd.read_csv(path, dtype={"unit": str}, float_precision="round_trip")
    df["uid"] = df["unit"].str[1:].astype(int)
    df["treat"] = ((df.first_treated > 0) & (df.year >= df.first_treated)).astype(float)
    df["rel"] = np.where(df.first_treated > 0, df.year - df.first_treated, -1)
    return df


def best_of(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def twfe_reference(df, repeats):
    import pyfixest as pf

    def static():
        return pf.feols("outcome ~ treat | unit + year", data=df, weights="weight", vcov={"CRV1": "unit"})

    def event_study():
        return pf.feols("outcome ~ i(rel, ref=-1) | unit + year", data=df, weights="weight", vcov={"CRV1": "unit"})

    static()  # JIT warm-up
    fit, secs = best_of(static, repeats)
    es, es_secs = best_of(event_study, repeats)
    events = {}
    for name, c in es.coef().items():
        token = name.replace("]", "").split("T.")[-1].split("::")[-1]
        events[int(float(token))] = (float(c), float(es.se()[name]))
    return {"estimate": float(fit.coef()["treat"]), "std_error": float(fit.se()["treat"]), "seconds": secs,
            "event_study_seconds": es_secs, "events": events}


def cs_reference(df, control):
    from csdid.att_gt import ATTgt

    t = time.perf_counter()
    att = ATTgt(yname="outcome", tname="year", idname="uid", gname="first_treated", data=df,
                control_group=[control], weights_name="weight").fit(est_method="dr", base_period="varying",
                                                                    bstrap=False)
    simple = att.aggte(typec="simple", bstrap=False).atte
    secs = time.perf_counter() - t
    dyn = att.aggte(typec="dynamic", bstrap=False).atte
    events = {int(e): (float(a), float(s)) for e, a, s in zip(dyn["egt"], dyn["att_egt"], dyn["se_egt"])}
    return {"estimate": float(np.ravel(simple["overall_att"])[0]), "std_error": float(np.ravel(simple["overall_se"])[0]),
            "seconds": secs, "events": events}


def bjs_reference(df):
    """Weighted BJS imputation with sparse matrices: overall and per event time."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import splu

    t0 = time.perf_counter()
    d = df.sort_values(["unit", "year"]).reset_index(drop=True)
    units = {u: i for i, u in enumerate(sorted(d.unit.unique()))}
    years = sorted(d.year.unique())
    ui = d.unit.map(units).to_numpy()
    yi = d.year.map({y: i for i, y in enumerate(years)}).to_numpy()
    n_u, n_t, n = len(units), len(years), len(d)
    rows = np.concatenate([np.arange(n), np.arange(n)[yi > 0]])
    cols = np.concatenate([ui, n_u + yi[yi > 0] - 1])
    Z = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n_u + n_t - 1))
    tr = d.treat.to_numpy() > 0
    y = d.outcome.to_numpy()
    om = d.weight.to_numpy()
    Z0, Z1 = Z[~tr], Z[tr]
    A = (Z0.T @ sp.diags(om[~tr]) @ Z0).tocsc()
    lu = splu(A)
    theta = lu.solve(Z0.T @ (om[~tr] * y[~tr]))
    tau = y[tr] - Z1 @ theta
    eps0 = y[~tr] - Z0 @ theta
    g1 = d.first_treated.to_numpy()[tr]
    e1 = (d.year.to_numpy() - d.first_treated.to_numpy())[tr]
    om1 = om[tr]
    ui0, ui1 = ui[~tr], ui[tr]

    def effect(sel):
        w = np.where(sel, om1, 0.0)
        w = w / w.sum()
        v0 = -om[~tr] * (Z0 @ lu.solve(Z1.T @ w))
        key = pd.DataFrame({"g": g1[sel], "e": e1[sel], "v2": w[sel] ** 2, "vt": w[sel] ** 2 * tau[sel]})
        sums = key.groupby(["g", "e"])[["v2", "vt"]].transform("sum")
        eps1 = np.zeros(len(tau))
        eps1[sel] = tau[sel] - (sums.vt / sums.v2).to_numpy()
        per_unit = np.bincount(ui0, weights=v0 * eps0, minlength=n_u) + np.bincount(ui1, weights=w * eps1,
                                                                                     minlength=n_u)
        return float(w @ tau), float(np.sqrt((per_unit ** 2).sum()))

    est, se = effect(e1 >= 0)
    events = {int(e): effect(e1 == e) for e in sorted(set(e1.tolist()))}
    return {"estimate": est, "std_error": se, "events": events, "seconds": time.perf_counter() - t0}


DID2S_CHILD = r"""
import json, sys, time
import pandas as pd
import pyfixest as pf
df = pd.read_csv(sys.argv[1], dtype={"unit": str}, float_precision="round_trip")
df["treat"] = ((df.first_treated > 0) & (df.year >= df.first_treated)).astype(float)
t = time.perf_counter()
fit = pf.did2s(df, yname="outcome", first_stage="~ 0 | unit + year", second_stage="~ treat",
               treatment="treat", cluster="unit", weights="weight")
print(json.dumps({"estimate": float(fit.coef()["treat"]), "seconds": time.perf_counter() - t}))
"""


def did2s(path, timeout_s=600):
    try:
        p = subprocess.run([sys.executable, "-c", DID2S_CHILD, path], capture_output=True, text=True,
                           timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"failed": f"no result after {timeout_s} s"}
    if p.returncode != 0:
        return {"failed": (p.stderr.strip().splitlines() or ["killed"])[-1][:200]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def compare(a):
    import csdid
    import pyfixest

    df = load(a.panel)
    ours = json.load(open(a.ours))
    est = ours["estimators"]
    rows = []

    def cmp(what, o, r, kind):
        rows.append({"what": what, "ours": o, "reference": r, "rel_diff": rel(o, r), "kind": kind})

    def events(name, label, ref_events, ours_key="event_time"):
        mine = {p["event_time"]: p for p in est[name][ours_key]}
        for e in sorted(set(mine) & set(ref_events)):
            cmp(f"{label} event {e:+d} estimate", mine[e]["estimate"], ref_events[e][0], "estimate")
            cmp(f"{label} event {e:+d} SE", mine[e]["std_error"], ref_events[e][1], "se")
        return sorted(set(mine) ^ set(ref_events))

    print("pyfixest weighted TWFE ...", flush=True)
    tw = twfe_reference(df, a.repeats)
    cmp("TWFE estimate vs pyfixest (weights)", est["twfe"]["estimate"], tw["estimate"], "estimate")
    cmp("TWFE SE (CR1) vs pyfixest (weights)", est["twfe"]["std_error"], tw["std_error"], "se")
    unmatched = {"twfe": events("twfe", "TWFE", tw["events"])}
    cs = {}
    for name, control in [("cs_never", "nevertreated"), ("cs_notyet", "notyettreated")]:
        print(f"csdid weighted {control} ...", flush=True)
        cs[name] = cs_reference(df, control)
        cmp(f"CS {control} simple ATT vs csdid (weights)", est[name]["estimate"], cs[name]["estimate"], "estimate")
        cmp(f"CS {control} simple SE vs csdid (weights)", est[name]["std_error"], cs[name]["std_error"], "se")
        unmatched[name] = events(name, f"CS {control}", cs[name]["events"])
    print("sparse weighted BJS ...", flush=True)
    bjs = bjs_reference(df)
    cmp("Imputation estimate vs sparse BJS (weights)", est["imputation"]["estimate"], bjs["estimate"], "estimate")
    cmp("Imputation SE vs sparse BJS (weights)", est["imputation"]["std_error"], bjs["std_error"], "se")
    unmatched["imputation"] = events("imputation", "Imputation", bjs["events"])
    small = None
    if a.small_panel:
        print("pyfixest did2s (weights, small panel) ...", flush=True)
        small_ours = json.load(open(a.small_ours))["estimators"]["imputation"]
        d2s = did2s(a.small_panel)
        small_bjs = bjs_reference(load(a.small_panel))
        small = {"did2s": d2s, "bjs": small_bjs["estimate"], "ours": small_ours["estimate"],
                 "units": json.load(open(a.small_ours))["units"]}
        cmp("Imputation estimate vs sparse BJS (weights, small panel)", small_ours["estimate"], small_bjs["estimate"],
            "estimate")
        if "estimate" in d2s:
            cmp("Imputation estimate vs pyfixest did2s (weights, small panel; iterative, tol 1e-6)",
                small_ours["estimate"], d2s["estimate"], "did2s")

    speed = [
        ("twfe", "pyfixest feols weighted, static + event study", tw["seconds"] + tw["event_study_seconds"]),
        ("cs_never", "csdid weighted, fit + simple aggregation", cs["cs_never"]["seconds"]),
        ("cs_notyet", "csdid weighted, fit + simple aggregation", cs["cs_notyet"]["seconds"]),
        ("imputation", "sparse BJS (scipy splu), overall + event times", bjs["seconds"]),
    ]
    speed_rows = [{"ours": n, "ours_seconds": est[n]["seconds"], "reference": what, "reference_seconds": s,
                   "speedup": s / est[n]["seconds"]} for n, what, s in speed]
    versions = {p: importlib.metadata.version(p) for p in ["pyfixest", "csdid", "numpy", "pandas", "scipy"]}
    det = [r for r in rows if r["kind"] in ("estimate", "se")]
    summary = {
        "panel": {"rows": ours["rows"], "units": ours["units"], "years": ours["years"]},
        "weights": {"seed": a.seed, "min": float(df.groupby("unit").weight.first().min()),
                    "max": float(df.groupby("unit").weight.first().max()),
                    "mean": float(df.groupby("unit").weight.first().mean())},
        "machine": platform.platform(),
        "versions": versions,
        "max_rel_diff_estimates": max(r["rel_diff"] for r in det if r["kind"] == "estimate"),
        "max_rel_diff_se": max(r["rel_diff"] for r in det if r["kind"] == "se"),
        "max_rel_diff_by_estimator": {
            k: {q: max([r["rel_diff"] for r in det if r["what"].startswith(p) and r["kind"] == q] or [float("nan")])
                for q in ("estimate", "se")}
            for k, p in [("twfe", "TWFE"), ("cs_never", "CS nevertreated"), ("cs_notyet", "CS notyettreated"),
                         ("imputation", "Imputation")]},
        "event_times_on_one_side_only": unmatched,
        "speed": speed_rows,
        "small_panel_imputation": small,
        "rows": rows,
    }
    json.dump(summary, open(a.out_json, "w"), indent=2)

    md = ["# Weighted impact estimators: cross-check against the Python references with the same weights", ""]
    md.append(f"Panel: {ours['rows']:,} rows ({ours['units']:,} units × {ours['years']} years), simulated by "
              f"`crates/core/examples/simulate_panel.rs` (seed 2026), with one weight per unit drawn by "
              f"`bench/impact/weighted.py weights` (seed {a.seed}; log-normal × multiplicity 1–3; min "
              f"{summary['weights']['min']:.3f}, mean {summary['weights']['mean']:.3f}, max "
              f"{summary['weights']['max']:.3f}) and written into the CSV that both sides read. Both sides run in the "
              f"same run on the same machine (`{platform.platform()}`, 2 cores shared). Generated by "
              f"`bench/impact/weighted.sh`.")
    md.append("")
    md.append("Reference versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".")
    md.append("")
    md.append("## Agreement")
    md.append("")
    md.append(f"Largest relative difference over every deterministic quantity: estimates "
              f"{summary['max_rel_diff_estimates']:.2e}, standard errors {summary['max_rel_diff_se']:.2e} "
              f"(target 1e-8).")
    md.append("")
    md.append("| estimator | max rel. diff. estimates | max rel. diff. SEs |")
    md.append("|---|---:|---:|")
    for k, v in summary["max_rel_diff_by_estimator"].items():
        md.append(f"| {k} | {v['estimate']:.2e} | {v['se']:.2e} |")
    md.append("")
    md.append("| quantity | ours | reference | relative difference |")
    md.append("|---|---:|---:|---:|")
    for r in rows:
        md.append(f"| {r['what']} | {r['ours']:.10g} | {r['reference']:.10g} | {r['rel_diff']:.1e} |")
    md.append("")
    if any(unmatched.values()):
        md.append(f"Event times reported by one side only (not compared): {unmatched}.")
        md.append("")
    if small is not None and "failed" in small["did2s"]:
        md.append(f"pyfixest `did2s` with weights on the small panel: no result ({small['did2s']['failed']}).")
        md.append("")
    md.append("## Speed (fastest of repeated runs for ours and pyfixest; one run for csdid and the sparse BJS; "
              "data loading excluded)")
    md.append("")
    md.append("| ours | ours (s) | reference | reference (s) | speed-up |")
    md.append("|---|---:|---|---:|---:|")
    for r in speed_rows:
        md.append(f"| {r['ours']} | {r['ours_seconds']:.4f} | {r['reference']} | {r['reference_seconds']:.3f} | "
                  f"{r['speedup']:.1f}× |")
    md.append("")
    md.append("Notes: the imputation reference is our own sparse implementation of the textbook formula, not a "
              "maintained package (none on PyPI computes the weighted BJS standard error at this scale); its time is "
              "given for scale, not as a race. Standard errors on both sides take the weights as fixed (no "
              "uncertainty from how they were obtained).")
    open(a.out_md, "w").write("\n".join(md) + "\n")
    print(f"max rel diff: estimates {summary['max_rel_diff_estimates']:.2e}, SEs {summary['max_rel_diff_se']:.2e}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("weights")
    w.add_argument("src")
    w.add_argument("dst")
    w.add_argument("--seed", type=int, default=18)
    c = sub.add_parser("compare")
    c.add_argument("--panel", required=True)
    c.add_argument("--ours", required=True)
    c.add_argument("--small-panel")
    c.add_argument("--small-ours")
    c.add_argument("--seed", type=int, default=18)
    c.add_argument("--out-json", required=True)
    c.add_argument("--out-md", required=True)
    c.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    if a.cmd == "weights":
        add_weights(a.src, a.dst, a.seed)
    else:
        compare(a)


if __name__ == "__main__":
    main()
