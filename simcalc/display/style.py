"""What every drawing shares: escaping (all shown text is user text), fonts and role colours."""
from __future__ import annotations

import html
import re
from typing import Any

FONT_FAMILY = ("'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', "
               "'WenQuanYi Micro Hei', 'Hiragino Sans GB', sans-serif")
#: role → (strong colour for the centre word, light tint for the other words)
ROLE_COLOURS = {
    "subject": ("#1d4ed8", "#dbeafe"),
    "predicate": ("#b91c1c", "#fee2e2"),
    "object": ("#047857", "#d1fae5"),
    "participant": ("#7c3aed", "#ede9fe"),
    "phrase": ("#a16207", "#fef3c7"),
}
_MARKERS = {"ba": ("把",), "bei": ("被", "叫", "让")}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(value: Any) -> str:
    """Text and attribute escaping (HTML and XML alike); drops characters XML cannot hold."""
    return html.escape(_XML_INVALID.sub("", str(value)), quote=True)
