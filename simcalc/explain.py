"""Text rendering of a :class:`~simcalc.result.Result` (explanations are data first, text second)."""
from __future__ import annotations

import json
from typing import Any

from .result import Result


def _render_value(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item and not _is_flat_list(item):
                lines.append(f"{pad}{key}:")
                lines.extend(_render_value(item, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            sub = _render_value(item, indent + 1)
            lines.append(f"{pad}- " + sub[0].strip() if sub else f"{pad}-")
            lines.extend(sub[1:])
        return lines
    return [f"{pad}{_scalar(value)}"]


def _is_flat_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render_result(result: Result) -> str:
    """A readable, indented account of a score and everything its scorer recorded."""
    head = f"{result.scorer}: {result.score:.4f}"
    if result.label is not None:
        head += f"  ({'similar' if result.label else 'not similar'} at threshold {result.threshold:g})"
    lines = [head]
    if result.details:
        lines.extend(_render_value(result.details, 1))
    lines.extend(f"  warning: {w}" for w in result.warnings)
    return "\n".join(lines)
