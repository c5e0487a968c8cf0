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


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def gather_info() -> dict[str, Any]:
    scorers = []
    for spec in registry.specs():
        missing = spec.missing_requirements()
        scorers.append({"name": spec.name, "kind": spec.kind, "available": not missing,
                        "missing": missing, "description": spec.description})
    root = resources.data_dir()
    data = {"SIMCALC_DATA_DIR": str(root) if root else None, "cache_dir": str(resources.cache_dir()), "files": {}}
    for rel, purpose in KNOWN_DATA.items():
        present = bool(root and (root / rel).exists())
        data["files"][rel] = {"present": present, "purpose": purpose}
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
        from rules.parse import backend_status
    except ImportError as exc:
        return f"unavailable: {exc}"
    return backend_status()


def render_info(report: dict[str, Any]) -> str:
    lines = [f"simcalc {report['version']}", "", "Scorers:"]
    for s in report["scorers"]:
        state = "ok" if s["available"] else "missing " + ", ".join(s["missing"])
        lines.append(f"  {s['name']:13} {s['kind']:8} {state:22} {s['description']}")
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
    return "\n".join(lines)
