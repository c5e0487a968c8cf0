"""Text rendering of a ``rules`` explanation: parses, components, aligned words, coefficients, formula."""
from __future__ import annotations

from typing import Any


def _tree(view: dict) -> list[str]:
    rows = []
    for i, (tok, pos, head, rel) in enumerate(zip(view["tokens"], view["pos"], view["heads"], view["rels"]), 1):
        target = "ROOT" if head == 0 else f"{view['tokens'][head - 1]}({head})"
        sense = view["senses"][i - 1] if i - 1 < len(view.get("senses", [])) else None
        if isinstance(sense, list):
            sense = f"{len(sense)} senses"
        rows.append(f"    {i:>2} {tok:<6}\t{pos:<3} {rel:<4} → {target:<10} {sense or '-'}")
    return rows


def _component_lines(role: str, comp: dict) -> list[str]:
    lines = [f"  {role:<9} score {comp['score']:.4f}  ({comp.get('rule', comp.get('crossed', ''))})"]
    centre = comp.get("centre")
    if isinstance(centre, dict):
        lines.append(f"    centre  {centre['words'][0]} ~ {centre['words'][1]}: {centre['similarity']:+.4f}"
                     + (f"  [{centre['relation']}]" if centre.get("relation") else "")
                     + (f"  senses: {centre['senses'][0]} | {centre['senses'][1]}" if centre.get("senses") else ""))
    for pair in comp.get("aligned", []):
        lines.append(f"    other   {pair['words'][0]} ~ {pair['words'][1]}: {pair['similarity']:+.4f}"
                     f"  ({'/'.join(pair['relations'])})")
    if "granularity" in comp:
        lines.append(f"    granularity {comp['granularity']}, other words {comp['others']}")
    return lines


def render_explanation(result: Any) -> str:
    exp = result.details["explanation"]
    head = f"rules: {result.score:+.4f}"
    if result.label is not None:
        head += f"  ({'similar' if result.label else 'not similar'} at threshold {result.threshold:g})"
    lines = [head, f"  {exp['formula']}", ""]
    for n, view in enumerate(exp["sentences"], 1):
        lines.append(f"sentence {n}: {view['text']}   [{view['pattern']['pattern']}: {view['pattern']['marker']}]")
        lines.extend(_tree(view))
        for c, clause in enumerate(view.get("clauses", [])):
            comps = ", ".join(f"{role} {v['centre']}" + (f" (+{' '.join(m.split('/')[0] for m in v['modifiers'])})"
                                                         if v["modifiers"] else "")
                              for role, v in clause["components"].items())
            extra = []
            if clause["participants"]:
                extra.append("participants " + ", ".join(f"{p['marker']}:{p['centre']}" for p in clause["participants"]))
            if clause["negations"]:
                extra.append(f"negations {'/'.join(clause['negations'])} ({'negated' if clause['negated'] else 'cancel'})")
            if clause["construction"]:
                extra.append(f"construction {clause['construction']}")
            lines.append(f"  clause {c + 1}: {comps}" + ("; " + "; ".join(extra) if extra else ""))
            lines.extend(f"    note: {note}" for note in clause["notes"])
        if view.get("nominal"):
            lines.append(f"  noun phrase: centre {view['nominal']['centre']}")
        lines.extend(f"  note: {note}" for note in view.get("notes", []))
        lines.append("")
    k1 = exp["K1"]
    lines.append(f"K1 pattern       {k1['value']:g}  {'fired' if k1['fired'] else 'not fired'}: {k1['reason']}")
    for clause in exp["clauses"]:
        if "clauses" in clause:
            lines.append(f"clause {clause['clauses'][0] + 1} ~ clause {clause['clauses'][1] + 1}:"
                         f" S {clause['S']:.4f}, pairing {clause.get('pairing')}")
        for role, comp in clause["components"].items():
            lines.extend(_component_lines(role, comp))
        for name, c in clause.get("coefficients", {}).items():
            value = f"{c['value']:g}" if "value" in c else ""
            lines.append(f"  {name:<14} {value:<5} {'fired' if c['fired'] else 'not fired'}: {c['reason']}")
    polarity = result.details.get("polarity")
    if polarity:
        lines.append(f"polarity         {polarity['verdict']}: {polarity['reason']}")
    features = result.details.get("features")
    if features:
        shown = ("coverage_min", "char_overlap", "qtype_differs", "negation_mismatch", "antonym_predicate",
                 "role_exchange", "entity_mismatch", "paper_score", "rules_score")
        lines.append("features         " + ", ".join(f"{k} {features[k]:.3g}" for k in shown if k in features))
    for warning in result.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)
