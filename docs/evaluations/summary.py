"""Summary of the committed evaluations (docs/evaluations/*.json), written by run.sh."""

import json
import sys
from pathlib import Path

PROGRAMMES = {"acv": "Action Cœur de ville", "pvd": "Petites villes de demain"}
TRANSFORMS = {"level": "niveau (habitants)", "log": "logarithme (écart relatif)",
              "growth": "taux de croissance annuel moyen (%)"}
METHODS = {"cs": "Callaway & Sant’Anna (pas encore traités)", "imputation": "imputation (BJS)",
           "sun-abraham": "Sun & Abraham", "twfe": "TWFE (référence classique)"}


def fr(v, d=2):
    if v is None:
        return "—"
    return f"{v:,.{d}f}".replace(",", "\u202f").replace(".", ",").replace("-", "−")


def main(folder):
    rows = []
    for programme in PROGRAMMES:
        for transform in TRANSFORMS:
            for method in METHODS:
                path = Path(folder) / f"{programme}-{transform}-{method}.json"
                r = json.loads(path.read_text()) if path.exists() else {"failed": True}
                rows.append((programme, transform, method, r))
    print("# Évaluations committées : Action Cœur de ville et Petites villes de demain sur la population")
    print()
    print("Produites par `bash docs/evaluations/run.sh` (binaire release, base embarquée neuve, populations légales "
          "2016 et 2019–2023 harmonisées au COG 2026, `data/indicators/`), un fichier JSON par calcul à côté de "
          "celui-ci. Période 2016–2023 ; adoption = année de signature (à défaut de labellisation) ; pour Action "
          "Cœur de ville, dont la liste ne donne aucune date, 2018 pour tous les membres (hypothèse déclarée "
          "dans `run.sh`, rappelée dans chaque résultat) ; 99 tirages de placebo dans l’espace.")
    print()
    print("| programme | indicateur | méthode | effet | IC 95 % | traités | comparaison | pré-tendance p | "
          "placebo temps | placebo espace p | valeur de rupture M̄ |")
    print("|---|---|---|---:|---|---:|---:|---:|---|---:|---:|")
    for programme, transform, method, r in rows:
        d = 4 if transform == "log" else 2
        if r.get("failed") or "estimate" not in r:
            print(f"| {PROGRAMMES[programme]} | {TRANSFORMS[transform]} | {METHODS[method]} | pas de résultat "
                  "(refus ou échec : voir `lecture.md` et la sortie de `run.sh`) | | | | | | | |")
            continue
        pt = r.get("placebo_time")
        ps = r.get("placebo_space")
        s = r.get("sensitivity")
        pre = r.get("pretrend")
        print(f"| {PROGRAMMES[programme]} | {TRANSFORMS[transform]} | {METHODS[method]} | {fr(r['estimate'], d)} | "
              f"[{fr(r['ci_low'], d)} ; {fr(r['ci_high'], d)}] | {r['n_treated_units']} | {r['n_control_units']} | "
              f"{fr(pre['p_value'], 3) if pre else '—'} | "
              f"{(fr(pt['estimate'], d) + ' [' + fr(pt['ci_low'], d) + ' ; ' + fr(pt['ci_high'], d) + ']') if pt else '—'} | "
              f"{fr(ps['p_value'], 3) if ps else '—'} | "
              f"{fr(s['breakdown']) if s and s.get('breakdown') is not None else ('aucune' if s else '—')} |")
    print()
    print("Effet par cohorte d’adoption (Callaway & Sant’Anna, moyenne des effets annuels de la cohorte depuis "
          "son entrée) :")
    print()
    print("| programme | indicateur | cohorte | territoires | années après | effet | IC 95 % |")
    print("|---|---|---:|---:|---:|---:|---|")
    for programme, transform, method, r in rows:
        if method != "cs" or r.get("failed"):
            continue
        d = 4 if transform == "log" else 2
        for c in r.get("by_cohort", []):
            print(f"| {PROGRAMMES[programme]} | {TRANSFORMS[transform]} | {c['cohort']} | {c['n_units']} | "
                  f"{c['n_years']} | {fr(c['estimate'], d)} | [{fr(c['ci_low'], d)} ; {fr(c['ci_high'], d)}] |")
    print()
    print("Autres groupes de comparaison, en logarithme, Callaway & Sant’Anna : les 5 plus proches voisines "
          "jamais traitées de chaque membre (appariement sur l’indicateur avant l’adoption, la population et les "
          "typologies, estimation pondérée par les poids d’appariement), et toutes les communes avec des "
          "comparaisons conditionnées par des covariables (logarithme en 2016, niveau de densité, montagne ; "
          "doublement robuste) :")
    print()
    print("| programme | comparaison | effet | IC 95 % | traités | comparaison | pré-tendance p | placebo temps | "
          "placebo espace p |")
    print("|---|---|---:|---|---:|---:|---:|---|---:|")
    variants = {"matched": "5 voisines appariées", "covariates": "covariables (doublement robuste)"}
    for programme in PROGRAMMES:
        for variant, label in variants.items():
            path = Path(folder) / f"{programme}-log-cs-{variant}.json"
            r = json.loads(path.read_text()) if path.exists() else None
            if not r or "estimate" not in r:
                print(f"| {PROGRAMMES[programme]} | {label} | pas de résultat (voir la sortie de `run.sh`) "
                      "| | | | | | |")
                continue
            pt, ps, pre = r.get("placebo_time"), r.get("placebo_space"), r.get("pretrend")
            print(f"| {PROGRAMMES[programme]} | {label} | {fr(r['estimate'], 4)} | "
                  f"[{fr(r['ci_low'], 4)} ; {fr(r['ci_high'], 4)}] | {r['n_treated_units']} | "
                  f"{r['n_control_units']} | {fr(pre['p_value'], 3) if pre else '—'} | "
                  f"{(fr(pt['estimate'], 4) + ' [' + fr(pt['ci_low'], 4) + ' ; ' + fr(pt['ci_high'], 4) + ']') if pt else '—'} | "
                  f"{fr(ps['p_value'], 3) if ps else '—'} |")
    print()
    print("La lecture de ces chiffres est dans `lecture.md`, écrite à partir d’eux.")


if __name__ == "__main__":
    main(sys.argv[1])
