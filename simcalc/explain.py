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
    if result.verdict is not None:
        at = f" at threshold {result.threshold:g}" if result.threshold is not None else ""
        head += f"  ({result.verdict}{at})"
    lines = [head]
    if "decided_by" in result.details:  # a signed ensemble: the feature or member that decided, first
        lines.append(f"  decided by: {result.details['decided_by']}")
    if result.details:
        lines.extend(_render_value(result.details, 1))
    lines.extend(f"  warning: {w}" for w in result.warnings)
    return "\n".join(lines)
