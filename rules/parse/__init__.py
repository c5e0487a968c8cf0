"""Dependency parsing for the rule engine: one ``Parse`` shape (LTP labels), several backends.

>>> from rules.parse import get_parser, render_parse
>>> print(render_parse(get_parser().parse("我把苹果吃了")))  # doctest: +SKIP

Importing this package is light: jieba and ltp load only when a parser is created; the embedded
parser runs in numpy and never imports torch (training does).
"""
from __future__ import annotations

from .select import CHOICES, PARSER_ENV, UnknownParserError, backend_status, get_parser
from .types import LTP_LABELS, Parse, ParseError, Parser, ParserUnavailableError, render_parse

__all__ = ["Parse", "Parser", "ParseError", "ParserUnavailableError", "UnknownParserError", "LTP_LABELS",
           "get_parser", "backend_status", "render_parse", "CHOICES", "PARSER_ENV"]
