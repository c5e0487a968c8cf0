"""The lexicon protocol over the OpenHowNet package's ``HowNetDict``.

Why through the package: its resource files (pickled ``sememe_all`` and ``HowNet_dict_complete``,
plus ``sememe_triples_taxonomy.txt``) are the package's own format, read by its own loader. They live
in ``<OpenHowNet.Download.OPENHOWNET_RESOURCE_PATH>/resources/`` (default ``~/.openhownet``) or in a
folder you pass. They cannot be downloaded here, so this adapter is used only where a user installed
them; hownet_sim itself never unpickles anything.

Mapping: each sense's KDML ``Def`` becomes a :class:`~hownet_sim.defs.Concept` (see
:func:`~hownet_sim.defs.parse_kdml`); the ``hypernym`` triples give the sememe tree; ``antonym`` and
``converse`` triples give the sememe relations; OpenHowNet POS names map to HowNet 2000 tags.
"""
from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

from simcalc.errors import ResourceNotFoundError, ScorerUnavailableError

from .defs import Concept, parse_kdml
from .errors import LexiconFormatError
from .lexicon import _IndexedLexicon
from .tree import SememeTree

log = logging.getLogger(__name__)

RESOURCE_FILES = ("sememe_all", "sememe_triples_taxonomy.txt", "HowNet_dict_complete")

#: OpenHowNet ``ch_grammar`` → HowNet 2000 POS tags (so LTP tags map the same way for both lexicons).
POS_MAP = {
    "noun": "N", "verb": "V", "adj": "ADJ", "adv": "ADV", "pron": "PRON", "num": "NUM", "prep": "PREP",
    "conj": "CONJ", "coor": "COOR", "aux": "AUX", "classifier": "CLAS", "echo": "ECHO", "expr": "EXPR",
    "stru": "STRU", "pun": "PUNC", "prefix": "PREFIX", "suffix": "SUFFIX", "pp": "PP",
}


def resource_dir(path: str | Path | None = None) -> Path:
    """The folder holding OpenHowNet's three resource files; a missing one is named in the error."""
    if path is None:
        try:
            from OpenHowNet.Download import OPENHOWNET_RESOURCE_PATH
        except ImportError as exc:
            raise ScorerUnavailableError(f"the OpenHowNet package cannot be imported ({exc})") from None
        path = OPENHOWNET_RESOURCE_PATH
    base = Path(path).expanduser()
    folder = base / "resources" if (base / "resources").is_dir() else base
    for name in RESOURCE_FILES:
        if not (folder / name).exists():
            raise ResourceNotFoundError(
                f"OpenHowNet resource {name} not found in {folder}; install OpenHowNet's resources "
                f"(OpenHowNet.download()) or use the HowNet 2000 lexicon (kind='hownet2000')")
    return folder


class OpenHowNetLexicon(_IndexedLexicon):
    """OpenHowNet senses, KDML definitions and taxonomy behind the lexicon protocol."""

    name = "openhownet"

    @classmethod
    def load(cls, resource_path: str | Path | None = None, strict: bool = False) -> "OpenHowNetLexicon":
        folder = resource_dir(resource_path)
        import OpenHowNet.Download as download
        from OpenHowNet import HowNetDict

        previous = download.OPENHOWNET_RESOURCE_PATH
        download.OPENHOWNET_RESOURCE_PATH = str(folder.parent)  # HowNetDict reads <path>/resources/...
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                hownet = HowNetDict()
        finally:
            download.OPENHOWNET_RESOURCE_PATH = previous
        if printed.getvalue().strip():
            log.info("OpenHowNet: %s", printed.getvalue().strip())
        if not hasattr(hownet, "sense_dic"):
            raise ResourceNotFoundError(f"OpenHowNet could not load its resources from {folder}: "
                                        f"{printed.getvalue().strip()}")
        return cls.from_hownet_dict(hownet, strict=strict)

    @classmethod
    def from_hownet_dict(cls, hownet, strict: bool = False) -> "OpenHowNetLexicon":
        """Build from a loaded ``HowNetDict`` (its ``sememe_dic`` and ``sense_dic``)."""
        hypernym_of: dict[str, str] = {}
        relations: dict[tuple[str, str], str] = {}
        for name, sememe in hownet.sememe_dic.items():
            for rel, targets in sememe.related_sememes.items():
                for target in targets:
                    if rel == "hypernym":
                        hypernym_of.setdefault(name, target.en_zh)
                    elif rel in ("antonym", "converse"):
                        relations[(name, target.en_zh)] = relations[(target.en_zh, name)] = rel
        tree = SememeTree.from_edges(sorted(hownet.sememe_dic), hypernym_of)
        concepts: list[Concept] = []
        index: dict[str, int] = {}
        entries: dict[str, list[tuple[str, int]]] = {}
        problems: list[tuple[int, str]] = []
        for n, (key, sense) in enumerate(sorted(hownet.sense_dic.items()), 1):
            word = (sense.zh_word or "").strip()
            if not word:
                continue
            did = index.get(sense.Def)
            if did is None:
                try:
                    concept = parse_kdml(sense.Def)
                except ValueError as exc:
                    problems.append((n, f"sense {key}: {exc}"))
                    continue
                did = index[sense.Def] = len(concepts)
                concepts.append(concept)
            pos = POS_MAP.get((sense.zh_grammar or "").strip(), (sense.zh_grammar or "").upper())
            entries.setdefault(word, []).append((pos, did))
        if problems:
            if strict:
                raise LexiconFormatError("HowNet_dict_complete", problems)
            log.warning("%s", LexiconFormatError("HowNet_dict_complete", problems))
        lex = cls(tree, concepts, entries, relations)
        lex.problems = problems
        return lex
