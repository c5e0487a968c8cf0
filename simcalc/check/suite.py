"""A behavioural test suite on disk: capabilities (TOML), lexicons and perturbation tables (TSV), hand-written cases.

Why files: the suite is data a user reads and extends (a new lexicon row, template or capability) without
touching code. The shipped suite is ``data/check/`` (installed as ``simcalc.data``); ``--suite PATH`` points at
a copy. TSV files: ``#`` comment lines, then a header row naming the columns, then one row per line.
"""
from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputFormatError, ResourceNotFoundError

KINDS = {"mft": ("similar", "not_similar"), "inv": ("same",), "dir": ("not_higher", "lower")}
HANDWRITTEN_COLUMNS = ("capability", "sentence1", "sentence2", "sentence2_changed", "note")


@dataclass(frozen=True)
class Lexicon:
    """Rows of one TSV file; ``group`` (if a column) keeps two draws in one template apart."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str | None) -> int:
        if name is None:
            return 0
        try:
            return self.columns.index(name)
        except ValueError:
            raise InputFormatError(f"lexicon {self.name!r} has no column {name!r} "
                                   f"(columns: {', '.join(self.columns)})") from None


@dataclass(frozen=True)
class Capability:
    name: str
    kind: str  # mft | inv | dir
    expect: str
    property: str
    templates: tuple[tuple[str, ...], ...] = ()
    frames: tuple[str, ...] = ()
    perturb: str | None = None
    base: str | None = None
    cases: int = 200


@dataclass(frozen=True)
class HandwrittenCase:
    capability: str
    sentence1: str
    sentence2: str
    sentence2_changed: str | None
    note: str


@dataclass
class Suite:
    root: Path
    capabilities: dict[str, Capability]
    lexicons: dict[str, Lexicon]
    base_pairs: dict[str, tuple[tuple[str, ...], ...]]  # pair templates (two strings each)
    handwritten: list[HandwrittenCase]
    seed: int = 20201

    def lexicon(self, name: str) -> Lexicon:
        try:
            return self.lexicons[name]
        except KeyError:
            raise InputFormatError(f"no lexicon {name!r} in {self.root / 'lexicons'} "
                                   f"(have: {', '.join(sorted(self.lexicons))})") from None


def default_suite_path() -> Path:
    """The shipped suite (``data/check`` in a checkout, ``simcalc/data/check`` when installed)."""
    from ..resources import project_data_path

    return project_data_path("check")


def read_tsv(path: Path) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Header and rows of a commented TSV (no quoting: Chinese text never needs it)."""
    header: tuple[str, ...] | None = None
    rows: list[tuple[str, ...]] = []
    with open(path, encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or not "".join(row).strip() or row[0].startswith("#"):
                continue
            if header is None:
                row = [cell.strip() for cell in row]
                header = tuple(row)
                continue
            if len(row) > len(header) or not row[0]:
                raise InputFormatError(f"{path}:{number}: expected at most {len(header)} tab-separated columns "
                                       f"({', '.join(header)}), got {len(row)}")
            rows.append(tuple(row) + ("",) * (len(header) - len(row)))  # cells kept as written: spaces can be the test
    if header is None:
        raise InputFormatError(f"{path}: no header row")
    return header, rows


def load_suite(path: str | Path | None = None) -> Suite:
    """Read a suite folder (default: the shipped one); errors name the file and what is wrong."""
    root = Path(path).expanduser() if path is not None else default_suite_path()
    spec_path = root / "capabilities.toml"
    if not spec_path.is_file():
        raise ResourceNotFoundError(f"{root} is not a simcalc check suite: {spec_path.name} is missing")
    try:
        spec = tomllib.loads(spec_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputFormatError(f"{spec_path}: {exc}") from None
    lexicons = {}
    for file in sorted((root / "lexicons").glob("*.tsv")):
        header, rows = read_tsv(file)
        lexicons[file.stem] = Lexicon(file.stem, header, tuple(rows))
    defaults = spec.get("defaults", {})
    base_pairs = {name: tuple(_pair(t, 2, f"{spec_path} [{name}]") for t in table.get("templates", []))
                  for name, table in spec.items() if name not in ("defaults", "capabilities")}
    capabilities = {}
    for name, table in spec.get("capabilities", {}).items():
        capabilities[name] = _capability(name, table, int(defaults.get("cases", 200)), base_pairs, spec_path)
    handwritten = []
    hand_path = root / "handwritten.tsv"
    if hand_path.is_file():
        header, rows = read_tsv(hand_path)
        if header[:len(HANDWRITTEN_COLUMNS)] != HANDWRITTEN_COLUMNS:
            raise InputFormatError(f"{hand_path}: the header must be {' / '.join(HANDWRITTEN_COLUMNS)}")
        for row in rows:
            cap, s1, s2, changed, note = row[:5]
            if cap not in capabilities:
                raise InputFormatError(f"{hand_path}: unknown capability {cap!r} (row {s1} / {s2})")
            needs_change = capabilities[cap].kind != "mft"
            if needs_change != bool(changed) or not s1.strip() or not s2.strip() or changed == s2:
                raise InputFormatError(f"{hand_path}: {cap} row {s1!r} / {s2!r}: a {capabilities[cap].kind} case "
                                       f"{'needs a different' if needs_change else 'takes no'} sentence2_changed")
            handwritten.append(HandwrittenCase(cap, s1, s2, changed or None, note))
    return Suite(root, capabilities, lexicons, base_pairs, handwritten, int(defaults.get("seed", 20201)))


def _pair(template: Any, size: int, where: str) -> tuple[str, ...]:
    if not isinstance(template, list) or len(template) != size or not all(isinstance(t, str) for t in template):
        raise InputFormatError(f"{where}: each template must be a list of {size} strings, got {template!r}")
    return tuple(template)


def _capability(name: str, table: dict, default_cases: int, base_pairs: dict, where: Path) -> Capability:
    kind = table.get("kind")
    if kind not in KINDS:
        raise InputFormatError(f"{where} [capabilities.{name}]: kind must be one of {', '.join(KINDS)}")
    expect = table.get("expect")
    if expect not in KINDS[kind]:
        raise InputFormatError(f"{where} [capabilities.{name}]: a {kind} capability expects one of "
                               f"{', '.join(KINDS[kind])}, not {expect!r}")
    size = 2 if kind == "mft" else 3
    templates = tuple(_pair(t, size, f"{where} [capabilities.{name}]") for t in table.get("templates", []))
    frames = tuple(table.get("frames", ()))
    perturb, base = table.get("perturb"), table.get("base")
    if frames and kind != "mft":
        raise InputFormatError(f"{where} [capabilities.{name}]: frames are for mft capabilities")
    if perturb is not None:
        from .perturb import PERTURBATIONS

        if kind != "inv" and kind != "dir":
            raise InputFormatError(f"{where} [capabilities.{name}]: perturb is for inv/dir capabilities")
        if perturb not in PERTURBATIONS:
            raise InputFormatError(f"{where} [capabilities.{name}]: unknown perturbation {perturb!r} "
                                   f"(known: {', '.join(PERTURBATIONS)})")
        if base not in base_pairs:
            raise InputFormatError(f"{where} [capabilities.{name}]: base must name a table of pair templates")
    if not templates and len(frames) < 2 and perturb is None:
        raise InputFormatError(f"{where} [capabilities.{name}]: give templates, two or more frames, or perturb")
    return Capability(name, kind, expect, str(table.get("property", "")).strip(), templates, frames, perturb, base,
                      int(table.get("cases", default_cases)))
