"""Render a :class:`~simcalc.check.runner.Report`: a text table, Markdown, JSON and a self-contained HTML page.

All renderings show the same numbers: per capability the cases, failures, failure rate (generated and
hand-written apart), for a signed scorer how often it said "opposite", and the worst failures with scores.
"""
from __future__ import annotations

import html
import json
from typing import Any, Sequence

from ..result import json_ready
from .expect import DIR_EPSILON, INV_TOLERANCE, Outcome
from .runner import CapabilityResult, Report

KIND_NAMES = {"mft": "minimum functionality", "inv": "invariance", "dir": "directional"}


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f}%"


def _row(cap: CapabilityResult, signed: bool) -> list[str]:
    row = [cap.name, cap.kind, cap.expect, str(cap.cases()), str(cap.failed()), _pct(cap.failure_rate()),
           _pct(cap.failure_rate("handwritten"))]
    if signed:
        row.append(_pct(cap.opposite_rate()))
    return row


def _headers(signed: bool) -> list[str]:
    head = ["capability", "kind", "expect", "cases", "failed", "fail rate", "hand-written fail"]
    return head + ["said opposite"] if signed else head


def _outcome_text(o: Outcome) -> str:
    if o.score_changed is None:
        return f"{o.score:+.3f}  {o.case.sentence1} / {o.case.sentence2}"
    return (f"{o.score:+.3f} -> {o.score_changed:+.3f}  {o.case.sentence1} / {o.case.sentence2} -> "
            f"{o.case.sentence2_changed}")


def summary_line(report: Report) -> str:
    s = report.scale
    return (f"scorer {report.scorer}: range {s.low:g}..{s.high:g}, threshold {s.threshold:g} ({report.threshold_source}); "
            f"invariance tolerance {INV_TOLERANCE * s.width:g}, directional epsilon {DIR_EPSILON * s.width:g}; "
            f"seed {report.seed}; {report.cases} cases, {report.pairs_scored} pairs scored in {report.seconds:.1f} s; "
            f"overall failure rate {_pct(report.failure_rate())}")


def to_text(report: Report, worst: int = 3) -> str:
    signed = report.scale.signed
    rows = [_headers(signed)] + [_row(c, signed) for c in report.capabilities]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [summary_line(report), ""]
    for n, r in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if worst:
        lines.append("")
        for cap in report.capabilities:
            failures = cap.worst(worst)
            if failures:
                lines.append(f"{cap.name}: {cap.property}")
                lines.extend(f"    {_outcome_text(o)}" for o in failures)
    return "\n".join(lines)


def to_markdown(report: Report) -> str:
    signed = report.scale.signed
    head = _headers(signed)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i < 3 else "---:" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(_row(c, signed)) + " |" for c in report.capabilities]
    return "\n".join(lines)


def side_by_side_markdown(reports: Sequence[Report]) -> str:
    """One row per capability, one failure-rate column per scorer (bench/check.py, README)."""
    caps = reports[0].capabilities
    head = ["capability", "kind", "expect", "cases"] + [r.scorer for r in reports]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|"]
    for i, cap in enumerate(caps):
        cells = [cap.name, cap.kind, cap.expect, str(cap.cases())]
        for r in reports:
            rate = _pct(r.capabilities[i].failure_rate())
            opp = r.capabilities[i].opposite_rate()
            cells.append(rate + (f" (opp. {_pct(opp)})" if opp is not None and cap.kind == "mft" else ""))
        lines.append("| " + " | ".join(cells) + " |")
    total = ["**all**", "", "", str(reports[0].cases)] + [f"**{_pct(r.failure_rate())}**" for r in reports]
    lines.append("| " + " | ".join(total) + " |")
    return "\n".join(lines)


def to_json(report: Report, worst: int = 5, all_cases: bool = False) -> str:
    return json.dumps(json_ready(report.to_dict(worst, all_cases)), ensure_ascii=False, indent=2, allow_nan=False)


_CSS = """
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;color:#222;max-width:70em}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b00020;font-weight:600}.ok{color:#1b5e20}.prop{color:#555;font-style:italic}
section{margin-top:2em}h2{font-size:1.15em;margin-bottom:.2em}small{color:#666}
"""


def to_html(report: Report, worst: int = 5) -> str:
    """A standalone page (inline CSS, no script, every text escaped)."""
    e = html.escape
    signed = report.scale.signed
    out = ["<!DOCTYPE html>", '<html lang="zh"><head><meta charset="utf-8">',
           f"<title>simcalc check: {e(report.scorer)}</title><style>{_CSS}</style></head><body>",
           f"<h1>simcalc check: {e(report.scorer)}</h1>", f"<p>{e(summary_line(report))}</p>",
           "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in _headers(signed)) + "</tr></thead><tbody>"]
    for cap in report.capabilities:
        cells = _row(cap, signed)
        rate = cap.failure_rate() or 0.0
        tds = [f'<td><a href="#{e(cap.name)}">{e(cells[0])}</a></td>'] + [f"<td>{e(c)}</td>" for c in cells[1:3]]
        tds += [f'<td class="num{" bad" if i == 5 and rate > 0 else ""}">{e(c)}</td>' for i, c in enumerate(cells) if i >= 3]
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    for cap in report.capabilities:
        out.append(f'<section id="{e(cap.name)}"><h2>{e(cap.name)} <small>{e(KIND_NAMES[cap.kind])}, '
                   f"expect {e(cap.expect)}</small></h2>")
        out.append(f'<p class="prop">{e(cap.property)}</p>')
        out.append(f"<p>{cap.cases()} cases ({cap.cases('generated')} generated, {cap.cases('handwritten')} "
                   f"hand-written), {cap.failed()} failed ({e(_pct(cap.failure_rate()))}).</p>")
        if not cap.failed():
            out.append('<p class="ok">No failures.</p></section>')
            continue
        changed = cap.kind != "mft"
        head = ["sentence 1", "sentence 2"] + (["sentence 2 changed", "score", "changed score", "Δ"] if changed
                                               else ["score", "label"]) + ["source"]
        out.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>")
        for o in cap.worst(worst):
            texts = [o.case.sentence1, o.case.sentence2]
            if changed and o.score_changed is not None:
                texts.append(o.case.sentence2_changed or "")
                nums = [f"{o.score:.4f}", f"{o.score_changed:.4f}", f"{o.score_changed - o.score:+.4f}"]
            else:
                nums = [f"{o.score:.4f}", str(o.label)]
            out.append("<tr>" + "".join(f"<td>{e(t)}</td>" for t in texts)
                       + "".join(f'<td class="num">{e(n)}</td>' for n in nums) + f"<td>{e(o.case.source)}</td></tr>")
        out.append("</tbody></table></section>")
    out.append("</body></html>")
    return "\n".join(out)
