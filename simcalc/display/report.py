"""A result of any scorer plus the rules analysis as HTML (the page's fragment, or a whole document)."""
from __future__ import annotations

import importlib.resources
import json
from typing import Any, Mapping

from .analysis import _as_dict
from .style import _esc
from .svg import tree_svg


def _num(value: Any, signed: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else _esc(value)
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _verdict(label: Any, threshold: Any, verdict: Any = None, decided_by: Any = None) -> str:
    """The verdict in words (``Result.verdict``: similar / not similar / opposite), its threshold and what
    decided it (a signed ensemble's ``details["decided_by"]``)."""
    decided = f' <span class="sc-decided-by">decided by {_esc(decided_by)}</span>' if decided_by else ""
    if verdict == "opposite":
        return f'<span class="sc-verdict sc-opposite">opposite</span>{decided}'
    if label is None:
        return '<span class="sc-verdict sc-verdict-none">no decision threshold</span>'
    word, cls = ("similar", "sc-similar") if label else ("not similar", "sc-not-similar")
    shown = f"{threshold:g}" if isinstance(threshold, (int, float)) else _num(threshold)
    return f'<span class="sc-verdict {cls}">{word}</span> <span class="sc-threshold">at threshold {shown}</span>{decided}'


def _value_html(value: Any, depth: int = 0) -> str:
    """A scorer's own details (any JSON) as nested definition lists."""
    if isinstance(value, Mapping) and value and depth < 4:
        rows = "".join(f"<dt>{_esc(k)}</dt><dd>{_value_html(v, depth + 1)}</dd>" for k, v in value.items())
        return f'<dl class="sc-details">{rows}</dl>'
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return _esc(", ".join(_num(v) if isinstance(v, float) else str(v) for v in value))
        return f"<code>{_esc(json.dumps(value, ensure_ascii=False, default=str))}</code>"
    if isinstance(value, float):
        return _num(value)
    return _esc(value)


def _members_html(details: Mapping) -> str:
    members = details.get("members") or {}
    stacking = details.get("combination") == "stacking"
    columns = ["Member", "Raw score", "Calibrated P(similar)", "Weight"] + (["Stack coefficient"] if stacking else [])
    head = "<tr>" + "".join(f'<th scope="col">{c}</th>' for c in columns) + "</tr>"
    rows = []
    for name, m in members.items():
        values = [m.get(k) for k in ("raw", "calibrated", "weight", "stack_coefficient")[: len(columns) - 1]]
        rows.append(f'<tr><th scope="row">{_esc(name)}</th>'
                    + "".join(f'<td class="sc-num">{_num(v)}</td>' for v in values) + "</tr>")
    out = [f'<table class="sc-table sc-members"><caption>Ensemble members (config {_esc(details.get("config", "?"))}, '
           f'combination {_esc(details.get("combination", "?"))})</caption><thead>{head}</thead>'
           f'<tbody>{"".join(rows)}</tbody></table>']
    for member, table in (details.get("features") or {}).items():  # a stack over features: each one's push
        body = "".join(f'<tr><th scope="row">{_esc(n)}</th><td class="sc-num">{_num(f.get("value"))}</td>'
                       f'<td class="sc-num">{_num(f.get("coefficient"), signed=True)}</td>'
                       f'<td class="sc-num">{_num(f.get("contribution"), signed=True)}</td></tr>'
                       for n, f in sorted(table.items(), key=lambda kv: -abs(kv[1].get("contribution") or 0)))
        out.append(f'<details class="sc-member-details"><summary>{_esc(member)}: features in the stack</summary>'
                   '<table class="sc-table"><thead><tr><th scope="col">Feature</th><th scope="col">Value</th>'
                   '<th scope="col">Coefficient</th><th scope="col">Contribution</th></tr></thead>'
                   f'<tbody>{body}</tbody></table></details>')
    if "p_similar" in details:
        content = f', content {_num(details["content"])}' if "content" in details else ""
        out.append(f'<p class="sc-p-similar">P(similar) {_num(details["p_similar"])}{content}</p>')
    if details.get("unused"):
        unused = ", ".join(details["unused"])
        out.append(f'<p class="sc-unused">Not used (zero weight in the config): {_esc(unused)}</p>')
    for name, why in (details.get("left_out") or {}).items():
        out.append(f'<p class="sc-left-out">Left out (could not load): <strong>{_esc(name)}</strong>: {_esc(why)}</p>')
    for name, m in members.items():
        own = {k: v for k, v in (m.get("details") or {}).items() if k != "explanation"}
        if "explanation" in (m.get("details") or {}):
            own["explanation"] = "the rule engine's explanation is shown below"
        if own:
            out.append(f'<details class="sc-member-details"><summary>{_esc(name)}: details</summary>'
                       f'{_value_html(own)}</details>')
    return "".join(out)


def _pair_row(kind: str, pair: Mapping) -> str:
    words = list(pair.get("words") or ["", ""]) + ["", ""]
    senses = list(pair.get("senses") or [None, None]) + [None, None]
    rels = pair.get("relations")
    kind_text = kind + (f" ({'/'.join(rels)})" if rels else "")
    return (f'<td>{_esc(kind_text)}</td><td lang="zh">{_esc(words[0])}</td><td lang="zh">{_esc(words[1])}</td>'
            f'<td class="sc-num">{_num(pair.get("similarity"), signed=True)}</td>'
            f'<td>{_esc(pair.get("relation") or "")}</td>'
            f'<td class="sc-sense">{_esc(senses[0] or "—")}</td><td class="sc-sense">{_esc(senses[1] or "—")}</td>')


def _components_html(clause: Mapping, caption: str) -> str:
    head = ('<tr><th scope="col">Component</th><th scope="col">Words</th><th scope="col">Sentence 1</th>'
            '<th scope="col">Sentence 2</th><th scope="col">Similarity</th><th scope="col">Relation</th>'
            '<th scope="col">HowNet sense 1</th><th scope="col">HowNet sense 2</th></tr>')
    groups = []
    for role, comp in (clause.get("components") or {}).items():
        rows = []
        if isinstance(comp.get("centre"), Mapping):
            rows.append(_pair_row("centre", comp["centre"]))
        elif comp.get("crossed"):
            crossed = list(comp["crossed"]) + [""]
            rows.append(_pair_row("crossed", {"words": crossed[:2], "similarity": comp.get("score")}))
        rows += [_pair_row("other", pair) for pair in comp.get("aligned") or []]
        rows = rows or ['<td colspan="7">—</td>']
        rule = [comp.get("rule") or ""]
        if "granularity" in comp:
            rule.append(f"granularity {comp['granularity']}, other words {comp.get('others')}")
        if "centre_realigned" in comp:
            rule.append(f"centre realigned to {comp['centre_realigned']}")
        label = (f'<th scope="rowgroup" rowspan="{len(rows)}"><span class="sc-role sc-role-{_esc(role)}">'
                 f'{_esc(role)}</span> <span class="sc-num">{_num(comp.get("score"))}</span><br>'
                 f'<small>{_esc("; ".join(r for r in rule if r))}</small></th>')
        groups.append("<tbody>" + "".join(f"<tr>{label if k == 0 else ''}{row}</tr>" for k, row in enumerate(rows))
                      + "</tbody>")
    return (f'<table class="sc-table sc-alignment"><caption>{_esc(caption)}</caption><thead>{head}</thead>'
            + "".join(groups) + "</table>")


def _coefficient_row(name: str, c: Mapping) -> str:
    fired = bool(c.get("fired"))
    value = f"{c['value']:g}" if isinstance(c.get("value"), (int, float)) else "—"
    return (f'<tr class="{"sc-fired" if fired else "sc-quiet"}"><th scope="row">{_esc(name)}</th>'
            f'<td class="sc-num">{value}</td><td>{"fired" if fired else "not fired"}</td>'
            f'<td class="sc-reason">{_esc(c.get("reason", ""))}</td></tr>')


def _coefficients_html(analysis: Mapping) -> str:
    head = ('<tr><th scope="col">Coefficient</th><th scope="col">Value</th><th scope="col">Fired</th>'
            '<th scope="col">Reason</th></tr>')
    bodies = []
    if isinstance(analysis.get("K1"), Mapping):
        bodies.append("<tbody>" + _coefficient_row("K1 (sentence pattern)", analysis["K1"]) + "</tbody>")
    for clause in analysis.get("clauses") or []:
        rows = [_coefficient_row(name, c) for name, c in (clause.get("coefficients") or {}).items()]
        where = _clause_caption(clause, analysis)
        info = [f"S {_num(clause['S'])}" if "S" in clause else "", f"K {_num(clause['K'])}" if "K" in clause else "",
                f"pairing: {clause['pairing']}" if clause.get("pairing") else ""]
        bodies.append(f'<tbody><tr><th scope="rowgroup" colspan="4" class="sc-group">{_esc(where)}: '
                      f'{_esc(", ".join(i for i in info if i))}</th></tr>' + "".join(rows) + "</tbody>")
    return (f'<table class="sc-table sc-coefficients"><caption>Each coefficient, whether it fired, and why</caption>'
            f'<thead>{head}</thead>{"".join(bodies)}</table>')


def _clause_caption(clause: Mapping, analysis: Mapping) -> str:
    if "clauses" in clause:
        i, j = clause["clauses"]
        return f"clause {i + 1} of sentence 1 ~ clause {j + 1} of sentence 2"
    return "noun phrase ~ noun phrase" if analysis.get("mode") == "noun phrase" else "clauses"


def _tree_figure(view: Mapping, n: int) -> str:
    text = view.get("text") or "".join(view.get("tokens") or [])
    notes = [str(x) for x in view.get("notes") or []]
    for k, clause in enumerate(view.get("clauses") or [], 1):
        notes += [f"clause {k}: {x}" for x in clause.get("notes") or []]
    pattern = view.get("pattern") or {}
    if pattern.get("pattern"):
        notes.insert(0, f"pattern: {pattern['pattern']} ({pattern.get('marker', '')})")
    note_list = "".join(f"<li>{_esc(x)}</li>" for x in notes)
    try:
        svg = tree_svg(view)
    except (ValueError, TypeError, KeyError) as exc:
        svg = f'<p class="sc-error">This tree cannot be drawn: {_esc(exc)}</p>'
    return (f'<figure class="sc-figure"><figcaption>Sentence {n}: <span lang="zh">{_esc(text)}</span></figcaption>'
            f'<div class="sc-tree-scroll" tabindex="0" role="region" aria-label="Dependency tree of sentence {n} '
            f'(scrolls sideways)">{svg}</div>' + (f'<ul class="sc-notes">{note_list}</ul>' if note_list else "")
            + "</figure>")


def _analysis_html(analysis: Mapping | None, scorer: str | None) -> str:
    if not analysis:
        return ""
    source = analysis.get("source")
    out = ['<section class="sc-section sc-rules"><h3>Rule engine: parses and components</h3>']
    if source == "rules" and scorer != "rules":
        out.append(f'<p class="sc-rules-score">The rule engine (<code>rules</code>) scores this pair '
                   f'<strong class="sc-num">{_num(analysis.get("score"), signed=True)}</strong> '
                   + (_verdict(analysis.get("label"), analysis.get("threshold")) if analysis.get("label") is not None
                      else "") + f"; shown for its parses, aligned words and coefficients (the score above is "
                   f"{_esc(scorer or '?')}'s).</p>")
    if analysis.get("unavailable"):
        what = "parses and components only" if source == "parse-only" else "nothing to draw"
        out.append(f'<p class="sc-unavailable" role="note"><strong>Word comparison unavailable</strong> ({what}): '
                   f'{_esc(analysis["unavailable"])}</p>')
    out.append('<div class="sc-trees">' + "".join(_tree_figure(v, n) for n, v in
                                                  enumerate(analysis.get("sentences") or [], 1)) + "</div>")
    if source == "rules":
        out.append("<h4>Aligned words</h4>")
        for clause in analysis.get("clauses") or []:
            out.append(_components_html(clause, "Aligned words, " + _clause_caption(clause, analysis)))
        out.append("<h4>Coefficients</h4>" + _coefficients_html(analysis))
        if analysis.get("formula"):
            out.append(f'<p class="sc-formula">Formula ({_esc(analysis.get("mode", ""))}): '
                       f'<code>{_esc(analysis["formula"])}</code></p>')
    out.append("</section>")
    return "".join(out)


def explanation_html(result: Any, analysis: Mapping | None = None) -> str:
    """The explanation of one result as an HTML fragment (no ``<html>``/``<head>``): score, verdict and
    threshold; an ensemble's members; the scorer's own details; the two trees; the aligned words with
    senses and similarities; every coefficient with its reason; the formula; warnings. ``result``: a
    :class:`~simcalc.result.Result` or its ``to_dict()``; ``analysis``: from :class:`PairAnalyser` (or None)."""
    data = _as_dict(result)
    scorer = data.get("scorer")
    details = data.get("details") or {}
    signed = scorer == "rules" or "p_similar" in details
    out = ['<section class="simcalc-explanation" aria-label="Explanation">',
           f'<h2 class="sc-headline"><span class="sc-scorer">{_esc(scorer or "?")}</span> '
           f'<span class="sc-score">{_num(data.get("score"), signed=signed)}</span> '
           f'{_verdict(data.get("label"), data.get("threshold"), data.get("verdict"), details.get("decided_by"))}</h2>']
    if scorer == "ensemble":
        out.append('<section class="sc-section"><h3>Ensemble</h3>' + _members_html(details) + "</section>")
    elif details and not (scorer == "rules" and "explanation" in details):
        out.append(f'<section class="sc-section"><h3>Details</h3>{_value_html(details)}</section>')
    out.append(_analysis_html(analysis, scorer))
    warnings = list(data.get("warnings") or [])
    warnings += [w for w in (analysis or {}).get("warnings") or [] if w not in warnings]
    if warnings:
        out.append('<section class="sc-section sc-warnings" role="note"><h3>Warnings</h3><ul>'
                   + "".join(f"<li>{_esc(w)}</li>" for w in warnings) + "</ul></section>")
    out.append("</section>")
    return "".join(out)


def stylesheet() -> str:
    """The stylesheet of the explanation (``simcalc/static/simcalc.css``, shipped as package data)."""
    return (importlib.resources.files("simcalc") / "static" / "simcalc.css").read_text(encoding="utf-8")


def standalone_html(fragment: str, title: str) -> str:
    """A complete HTML document around ``fragment`` with the stylesheet inlined (works offline)."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_esc(title)}</title>\n<style>\n{stylesheet()}</style>\n</head>\n"
            f"<body class=\"sc-document\">\n<main class=\"sc-page\">\n<h1>{_esc(title)}</h1>\n{fragment}\n</main>\n</body>\n</html>\n")
