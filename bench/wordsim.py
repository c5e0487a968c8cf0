"""Word-similarity benchmark: HowNet (Liu & Li) variants against Cilin-only and character overlap,
plus load time, throughput and memory of the HowNet engine. One command, one table:

    SIMCALC_DATA_DIR=... python bench/wordsim.py [--speed-pairs 20000] [--no-speed] [--json out.json]
        [--lexicon packaged]   (the lexicon index shipped with the package instead of the data folder's files)

Rows (methods):
  liu_li_2002          faithful Liu & Li: max over sense pairs, [0, 1], glossary words only
  + antonym [-1,1]     Li & Li's extension: antonymous/converse pairs negated
  + OOV chain          Cilin → flat sememes → characters for words the glossary lacks, [0, 1]
  full                 both extensions (what ``simcalc.hownet_sim.word_similarity`` returns)
  cilin_only           Tian & Zhao (2010) on HIT Cilin
  char_overlap         Jaccard overlap of the two words' characters (simcalc's char_jaccard)

Each cell is Pearson / Spearman over the pairs the method covers, and the coverage; a method that
cannot score a pair leaves it out (it is not scored as 0).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scipy.stats import pearsonr, spearmanr

DATASETS = [  # (label, file, score column)
    ("MC30-zh", "wordsim/mc30_zh.tsv"),
    ("RG35-zh", "wordsim/rg35_zh.tsv"),
    ("PKU-500", "wordsim/pku-500.tsv"),
    ("wordsim-240", "wordsim/wordsim-240.txt"),
    ("wordsim-297", "wordsim/wordsim-297.txt"),
]


def read_pairs(path: Path) -> list[tuple[str, str, float]]:
    """TAB-separated ``word1 word2 score ...``; ``#`` header lines skipped, fields stripped."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        out.append((fields[0], fields[1], float(fields[2])))
    return out


def correlate(gold: list[float], pred: list[float | None]) -> tuple[float, float, int]:
    kept = [(g, p) for g, p in zip(gold, pred) if p is not None]
    if len(kept) < 3:
        return float("nan"), float("nan"), len(kept)
    g, p = zip(*kept)
    return pearsonr(g, p)[0], spearmanr(g, p)[0], len(kept)


def methods(data_dir: Path | None):
    """The scoring functions; ``data_dir`` None: the packaged lexicons."""
    from simcalc.hownet_sim.api import build_engine
    from simcalc.hownet_sim.lexicon import GlossaryLexicon

    import simcalc

    lex = GlossaryLexicon.load(data_dir)
    variants = {
        "liu_li_2002": build_engine(lex, data_dir, signed=False, oov_chain=False),
        "+ antonym [-1,1]": build_engine(lex, data_dir, signed=True, oov_chain=False),
        "+ OOV chain": build_engine(lex, data_dir, signed=False, oov_chain=True),
        "full": build_engine(lex, data_dir, signed=True, oov_chain=True),
    }
    out = {}
    for name, engine in variants.items():
        def score(a, b, engine=engine, chain=engine.oov_chain):
            if not chain and not (a == b or (a in lex and b in lex)):
                return None
            return engine.similarity(a, b)
        out[name] = score
    cilin = variants["full"].cilin

    def cilin_only(a, b):
        if a == b:
            return 1.0
        found = cilin.similarity(a, b)
        return None if found is None else found[0]

    out["cilin_only"] = cilin_only  # Cilin from the same source as the lexicon (folder or package)
    jaccard = simcalc.get_scorer("char_jaccard")
    out["char_overlap"] = lambda a, b: jaccard.score(a, b).score
    return out


def accuracy_table(data_dir: Path, lexicon_dir: Path | None) -> tuple[str, dict]:
    data = {label: read_pairs(data_dir / rel) for label, rel in DATASETS}
    results: dict = {}
    for name, fn in methods(lexicon_dir).items():
        results[name] = {}
        for label, pairs in data.items():
            pred = [fn(a, b) for a, b, _ in pairs]
            p, s, n = correlate([g for _, _, g in pairs], pred)
            results[name][label] = {"pearson": p, "spearman": s, "covered": n, "pairs": len(pairs)}
    header = "| method | " + " | ".join(f"{label} P / S (cov)" for label, _ in DATASETS) + " |"
    lines = [header, "|" + "---|" * (len(DATASETS) + 1)]
    for name, row in results.items():
        cells = [f"{c['pearson']:.3f} / {c['spearman']:.3f} ({c['covered']}/{c['pairs']})" for c in row.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines), results


_LOAD_SNIPPET = """
import time, json, resource
t0 = time.perf_counter()
from simcalc.hownet_sim.lexicon import GlossaryLexicon
t1 = time.perf_counter()
lex = GlossaryLexicon.load()
t2 = time.perf_counter()
def rss():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS:")).split()[1]) / 1024
from simcalc.hownet_sim.api import build_engine
engine = build_engine(lex)
engine.similarity("高", "矮"); engine.report("苹果手机", "华为手机")  # loads antonym lists, Cilin, flat list
rss_engine = rss()
engine.warm_up()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "cache": str(lex.cache_file),
                  "rss_engine_mb": rss_engine, "rss_warm_mb": rss(),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def load_times(data_dir: Path | None) -> dict:
    """Cold (empty cache: parse + write the index) and warm (index on disk) loads, fresh processes;
    ``data_dir`` None: the packaged index (no parse, "cold" is the first load)."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, SIMCALC_CACHE_DIR=cache)
        env.pop("SIMCALC_DATA_DIR", None)
        if data_dir is not None:
            env["SIMCALC_DATA_DIR"] = str(data_dir)
        runs = []
        for _ in range(3):
            done = subprocess.run([sys.executable, "-c", _LOAD_SNIPPET], env=env, capture_output=True,
                                  text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {"cold_load_s": runs[0]["load_s"], "warm_load_s": min(r["load_s"] for r in runs[1:]),
            "import_s": runs[1]["import_s"], "rss_engine_mb": runs[-1]["rss_engine_mb"],
            "rss_warm_mb": runs[-1]["rss_warm_mb"], "peak_mb": runs[-1]["peak_mb"]}


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speed(data_dir: Path, n_pairs: int) -> dict:
    """Pairs/s of ``similarity`` on random glossary word pairs (one thread)."""
    from simcalc.hownet_sim.api import build_engine
    from simcalc.hownet_sim.lexicon import GlossaryLexicon

    lexicon = GlossaryLexicon.load(data_dir)
    words = sorted(lexicon.words())
    rng = random.Random(13)
    first = [(rng.choice(words), rng.choice(words)) for _ in range(n_pairs)]
    fresh = [(rng.choice(words), rng.choice(words)) for _ in range(n_pairs)]

    def rate(engine, pairs, method="similarity"):
        """(wall-clock pairs/s, CPU-time pairs/s): the machine is shared, CPU time is one core's."""
        fn = getattr(engine, method)
        t, c = time.perf_counter(), time.process_time()
        for a, b in pairs:
            fn(a, b)
        return len(pairs) / (time.perf_counter() - t), len(pairs) / max(time.process_time() - c, 1e-9)

    out: dict = {"pairs": n_pairs}
    lazy = build_engine(lexicon, data_dir)
    out["lazy"] = {"cold": rate(lazy, first), "repeat": rate(lazy, first), "unseen": rate(lazy, fresh)}
    del lazy
    table = build_engine(lexicon, data_dir)
    t = time.perf_counter()
    table.warm_up()
    out["warm_up_s"] = time.perf_counter() - t
    out["table"] = {"first": rate(table, first), "repeat": rate(table, first), "unseen": rate(table, fresh)}
    out["relation"] = {"first": rate(table, first, "relation"), "repeat": rate(table, first, "relation")}
    out["rss_mb"] = rss_mb()
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


LABELS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "hownet" / "antonym_labels.tsv"


PAIR_SOURCES = ("lcqmc/dev.tsv", "bq_corpus/train.tsv")  # never a test split


def sentence_word_pairs(data_dir: Path, engine, limit: int = 10_000) -> dict[str, list[tuple[str, str]]]:
    """Two populations of word pairs from real sentence pairs (the first ``limit`` pairs of LCQMC dev
    and BQ train, jieba tokens, distinct unordered pairs): ``cross``, every word of one sentence with
    every word of the other; ``aligned``, each word with its closest word (largest ``|score|``) in the
    other sentence, as the rule engine aligns words."""
    from simcalc.rules.parse.segment import Segmenter

    from simcalc.io import read_pairs as read_pair_file

    cut = Segmenter()
    cross: dict[tuple[str, str], None] = {}
    aligned: dict[tuple[str, str], None] = {}
    for rel in PAIR_SOURCES:
        for n, row in enumerate(read_pair_file(data_dir / rel)):
            if n >= limit:
                break
            if row.error or not row.sentence1 or not row.sentence2:
                continue
            t1 = [w for w in cut(row.sentence1) if any(ch.isalnum() for ch in w)]
            t2 = [w for w in cut(row.sentence2) if any(ch.isalnum() for ch in w)]
            for x, y in ((t1, t2), (t2, t1)):
                for a in x:
                    if not y:
                        break
                    b = max(y, key=lambda w: abs(engine.relation(a, w).score))
                    if a != b:
                        aligned.setdefault((a, b) if a < b else (b, a))
                    for b in y:
                        if a != b:
                            cross.setdefault((a, b) if a < b else (b, a))
    return {"cross": list(cross), "aligned": list(aligned)}


def antonym_sample(data_dir: Path, per_rule: int = 40, seed: int = 2015) -> tuple[dict, dict]:
    """Per population and opposite rule, a fixed random sample of the word pairs on which the rule
    fires (:func:`sentence_word_pairs`), for hand-labelling; and how often each rule fires."""
    from collections import defaultdict

    from simcalc.hownet_sim.api import get_engine

    engine = get_engine(data_dir)
    samples: dict[str, dict[str, list]] = {}
    counts: dict[str, dict[str, int]] = {}
    for population, pairs in sentence_word_pairs(data_dir, engine).items():
        found: dict[str, list] = defaultdict(list)
        for w1, w2 in pairs:
            rel = engine.relation(w1, w2)
            if rel.rule:
                found[rel.rule].append((w1, w2, rel))
        rng = random.Random(seed)
        samples[population] = {rule: rng.sample(found[rule], min(per_rule, len(found[rule])))
                               for rule in sorted(found)}
        counts[population] = {rule: len(found[rule]) for rule in sorted(found)}
    return samples, counts


def read_labels(path: Path) -> dict[tuple[str, str], int]:
    """``word1<TAB>word2<TAB>1|0[<TAB>...]`` lines (1: the pair is antonymous/converse in the senses
    the rule chose; 0: not); ``#`` comments."""
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            w1, w2, label = line.split("\t")[:3]
            labels[(w1, w2) if w1 < w2 else (w2, w1)] = int(label)
    return labels


def antonym_precision(data_dir: Path, labels_path: Path) -> tuple[str, dict]:
    """Precision of each opposite rule: the sample of :func:`antonym_sample` is drawn again and
    looked up in the hand labels (a pair missing from the labels is reported, not guessed)."""
    from simcalc.hownet_sim.relation import CONFIDENT_RULES

    labels = read_labels(labels_path)
    samples, counts = antonym_sample(data_dir)
    lines = ["| population | rule | confident alone | fires on | labelled | opposite | precision |",
             "|---|---|---|---|---|---|---|"]
    results: dict = {}
    for population, by_rule in samples.items():
        for rule, drawn in by_rule.items():
            known = [labels[(a, b) if a < b else (b, a)] for a, b, _ in drawn
                     if ((a, b) if a < b else (b, a)) in labels]
            precision = sum(known) / len(known) if known else float("nan")
            results.setdefault(population, {})[rule] = {
                "fires": counts[population][rule], "sampled": len(drawn), "labelled": len(known),
                "opposite": sum(known), "precision": precision}
            lines.append(f"| {population} | {rule} | {'yes' if rule in CONFIDENT_RULES else 'no'} | "
                         f"{counts[population][rule]} | {len(known)}/{len(drawn)} | {sum(known)} | {precision:.2f} |")
    return "\n".join(lines), results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("SIMCALC_DATA_DIR"))
    parser.add_argument("--speed-pairs", type=int, default=20000)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--json", help="also write all numbers to this file")
    parser.add_argument("--antonym-sample", action="store_true",
                        help="print the pairs to label (TSV, known labels filled in), then exit")
    parser.add_argument("--no-antonyms", action="store_true", help="skip the opposite-rule precision")
    parser.add_argument("--labels", type=Path, default=LABELS, help="hand-labelled opposite pairs")
    parser.add_argument("--lexicon", choices=("data", "packaged"), default="data",
                        help="lexicons from the data folder's source files (default) or the packaged index")
    args = parser.parse_args(argv)
    if not args.data_dir:
        parser.error("set SIMCALC_DATA_DIR or pass --data-dir")
    data_dir = Path(args.data_dir)
    if args.antonym_sample:
        labels = read_labels(args.labels) if args.labels.exists() else {}
        print("# word1\tword2\tlabel (1 opposite, 0 not)\trule\tpopulation\tsense1\tsense2\tevidence")
        samples, counts = antonym_sample(data_dir)
        for population, by_rule in samples.items():
            for w1, w2, rel in (t for drawn in by_rule.values() for t in drawn):
                known = labels.get((w1, w2) if w1 < w2 else (w2, w1), "?")
                senses = [s.concept.raw if s else "-" for s in (rel.sense1, rel.sense2)]
                print(f"{w1}\t{w2}\t{known}\t{rel.rule}\t{population}\t{senses[0]}\t{senses[1]}\t{rel.via}")
        print("# pairs on which each rule fires:", counts)
        return 0
    # fresh processes first: on Linux a child's peak RSS starts at its parent's (fork), so measure
    # load and memory while this process is still small
    lexicon_dir = data_dir if args.lexicon == "data" else None
    if lexicon_dir is None:
        os.environ.pop("SIMCALC_DATA_DIR", None)  # benchmark files still come from data_dir
    load = None if args.no_speed else load_times(lexicon_dir)
    table, results = accuracy_table(data_dir, lexicon_dir)
    print(table)
    report = {"accuracy": results}
    if not args.no_antonyms and args.labels.exists():
        table, report["antonym_precision"] = antonym_precision(data_dir, args.labels)  # lexicon: the data folder
        print()
        print(f"opposite rules on the hand-labelled sample ({args.labels.name}):")
        print(table)
    if not args.no_speed:
        report["load"] = load
        report["speed"] = speed(lexicon_dir, args.speed_pairs)
        ld, sp = report["load"], report["speed"]
        print()
        print(f"load: cold {ld['cold_load_s']:.2f} s (parse + write index), warm {ld['warm_load_s']:.2f} s "
              f"(index from cache; import {ld['import_s']:.2f} s)")
        def fmt(pair):
            return f"{pair[0]:,.0f} ({pair[1]:,.0f} per CPU-s)"

        lz, tb = sp["lazy"], sp["table"]
        print(f"speed, 1 thread, pairs/s wall-clock (per CPU-second), {sp['pairs']:,} random glossary word pairs:")
        print(f"  memoised on demand : first pass {fmt(lz['cold'])}, same pairs again {fmt(lz['repeat'])}, "
              f"new pairs {fmt(lz['unseen'])}")
        print(f"  after warm_up() ({sp['warm_up_s']:.2f} s, all sememe pairs tabulated): first pass "
              f"{fmt(tb['first'])}, same pairs again {fmt(tb['repeat'])}, new pairs {fmt(tb['unseen'])}")
        rl = sp["relation"]
        print(f"  relation() on the same engine: first call per pair {fmt(rl['first'])}, "
              f"cached {fmt(rl['repeat'])}")
        print(f"memory of a process with one engine: resident {ld['rss_engine_mb']:.0f} MB with every resource "
              f"loaded (glossary index, Cilin, flat sememe list, antonym and sentiment lists), "
              f"{ld['rss_warm_mb']:.0f} MB after warm_up(), peak {ld['peak_mb']:.0f} MB; this benchmark process "
              f"(6 engines, scipy): {sp['rss_mb']:.0f} MB, peak {sp['max_rss_mb']:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
