"""What this installation can do: scorers, data, backends, and what is missing for each."""
from __future__ import annotations

import importlib.metadata
import importlib.util
from typing import Any

from . import registry, resources

#: Files under SIMCALC_DATA_DIR that simcalc knows how to use, with what they are for.
KNOWN_DATA = {
    "hownet/glossary.dat": "HowNet 2000 lexicon (rule engine word similarity)",
    "hownet/whole.dat": "HowNet 2000 sememe tree",
    "cilin/cilin_ex.txt": "Cilin extended (out-of-vocabulary fallback)",
    "lcqmc/test.tsv": "LCQMC benchmark",
    "bq_corpus/train.tsv": "BQ corpus (neural training)",
    "ud_chinese/UD_Chinese-GSD_r1.4": "UD Chinese GSD (parser training)",
}
PACKAGES = ("torch", "gensim", "ltp", "OpenHowNet", "jieba", "Levenshtein", "jellyfish", "opencc", "sklearn")
#: The pip command that brings a missing package (extras: setup.cfg).
INSTALL = {"torch": "pip install torch==2.13.0", "gensim": "pip install 'simcalc[neural]'",
           "ltp": "pip install 'simcalc[ltp]'", "OpenHowNet": "pip install 'simcalc[openhownet]'",
           "opencc": "pip install 'simcalc[train]'"}


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _try_load(name: str) -> str | None:
    """None when the scorer loads (models, configs and all), else why not."""
    from .errors import SimcalcError

    try:
        scorer = registry.get(name)
    except SimcalcError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - info must report, not crash
        return f"{type(exc).__name__}: {exc}"
    left_out = getattr(scorer, "left_out", None)
    if left_out:
        return "members left out: " + "; ".join(f"{k}: {v}" for k, v in left_out.items())
    return None


def gather_info(load: bool = True) -> dict[str, Any]:
    """What is installed; with ``load``, every scorer is actually loaded (so shipped models are checked)."""
    scorers = []
    for spec in registry.specs():
        missing = spec.missing_requirements()
        error = None if missing or not load else _try_load(spec.name)
        scorers.append({"name": spec.name, "kind": spec.kind, "available": not missing and error is None,
                        "missing": missing, "error": error, "description": spec.description,
                        "install": [INSTALL[m] for m in missing if m in INSTALL]})
    root = resources.data_dir()
    files: dict[str, dict[str, Any]] = {}
    for rel, purpose in KNOWN_DATA.items():
        files[rel] = {"present": bool(root and (root / rel).exists()), "purpose": purpose}
    data = {"SIMCALC_DATA_DIR": str(root) if root else None, "cache_dir": str(resources.cache_dir()), "files": files}
    packages = {name: importlib.util.find_spec(name) is not None for name in PACKAGES}
    backends: dict[str, Any] = {"torch": _version("torch"), "cuda": None}
    if packages["torch"]:
        import torch  # only here: info is allowed to pay for it

        backends["cuda"] = bool(torch.cuda.is_available())
    backends["parser"] = _parser_status()
    return {"version": _version("simcalc"), "scorers": scorers, "data": data, "packages": packages,
            "backends": backends}


def _parser_status() -> dict[str, Any] | str:
    """Which dependency parser ``auto`` picks and why (rules.parse is light to import)."""
    try:
        from simcalc.rules.parse import backend_status
    except ImportError as exc:
        return f"unavailable: {exc}"
    return backend_status()


def render_info(report: dict[str, Any]) -> str:
    lines = [f"simcalc {report['version']}", "", "Scorers:"]
    for s in report["scorers"]:
        state = "ok" if s["available"] else ("missing " + ", ".join(s["missing"]) if s["missing"] else "fails to load")
        lines.append(f"  {s['name']:13} {s['kind']:8} {state:22} {s['description']}")
        if s.get("error"):
            lines.append(f"      {s['error']}")
        for command in s.get("install", []):
            lines.append(f"      fix: {command}")
    data = report["data"]
    lines += ["", f"Data (SIMCALC_DATA_DIR): {data['SIMCALC_DATA_DIR'] or 'not set: export it to use lexicons/benchmarks'}",
              f"Cache: {data['cache_dir']}"]
    for rel, item in data["files"].items():
        lines.append(f"  {'ok     ' if item['present'] else 'missing'} {rel:34} {item['purpose']}")
    lines += ["", "Backends:", f"  torch {report['backends']['torch'] or 'not installed'}; "
              f"CUDA: {report['backends']['cuda']}"]
    parser = report["backends"].get("parser")
    if isinstance(parser, dict):
        lines.append("  parser: " + ", ".join(f"{k}={v}" for k, v in parser.items() if not isinstance(v, (dict, list))))
    elif parser:
        lines.append(f"  parser: {parser}")
    missing = [k for k, ok in report["packages"].items() if not ok]
    if missing:
        lines.append("  packages missing: " + ", ".join(missing))
        lines += [f"    {k}: {INSTALL[k]}" for k in missing if k in INSTALL]
    return "\n".join(lines)
