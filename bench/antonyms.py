"""Opposite word pairs: precision / recall of HowNet word relations on a labelled set, alone and in context.

    SIMCALC_DATA_DIR=... python bench/antonyms.py [--pairs data/wordpairs/opposites.tsv]
                                                  [--paraphrases 2000] [--json out.json]

The labelled set (``data/wordpairs/opposites.tsv``, sources in its README) marks each pair antonym,
converse, synonym, related or unrelated; "opposite" = antonym or converse. Its ``test`` split is held
out: never look at its errors while changing rules, report it only.

Two modes, as the rule engine meets a word pair:

* ``word``: :meth:`HowNetWords.relation` with no senses (Liu & Li's maximum over all sense pairs);
* ``context``: each word is put in a short frame that fixes its part of speech (adjectives
  ``这个东西很 _``, verbs ``我 _ 这个东西``, nouns ``这是 _``) and disambiguated by
  :meth:`HowNetWords.senses`, exactly as the rule engine disambiguates sentence tokens; the relation is
  then asked for those senses.

Two predictions per pair: ``signed`` (any opposite rule fired: the score is negative) and
``confident`` (:attr:`WordRelation.opposite`, what the rule engine lets flip a sentence).
``--paraphrases N`` also counts, over the first N paraphrase pairs (label 1) of LCQMC dev and BQ dev,
how many have an aligned word pair (each word with its closest word in the other sentence) that is a
confident opposite: an upper bound on the rule engine's false opposites that come from words.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # measure this checkout, not an installed simcalc
    sys.path.insert(0, str(ROOT))
PAIRS = ROOT / "data" / "wordpairs" / "opposites.tsv"
OPPOSITE = ("antonym", "converse")
#: (HowNet POS, tokens, LTP tags) with ``{}`` for the word: frames that fix a part of speech
FRAMES = {
    "ADJ": (["这个", "东西", "很", "{}"], ["r", "n", "d", "a"]),
    "V": (["我", "{}", "这个", "东西"], ["r", "v", "r", "n"]),
    "N": (["这", "是", "{}"], ["r", "v", "n"]),
}
PREFERRED_POS = ("ADJ", "V", "N")


def read_labelled(path: Path) -> list[tuple[str, str, str, str, str]]:
    """(word1, word2, relation, source, split) rows; ``#`` lines are comments."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            w1, w2, rel, source, split = line.split("\t")[:5]
            rows.append((w1, w2, rel, source, split))
    return rows


def frame_pos(lexicon, w1: str, w2: str) -> str | None:
    """The part of speech both words have in HowNet (adjective first), else the first word's."""
    pos1 = {s.pos for s in lexicon.senses(w1)}
    pos2 = {s.pos for s in lexicon.senses(w2)}
    for pos in PREFERRED_POS:
        if pos in pos1 and pos in pos2:
            return pos
    for pos in PREFERRED_POS:
        if pos in pos1 or pos in pos2:
            return pos
    return None


def in_frame(words, word: str, pos: str | None):
    """The senses :meth:`HowNetWords.senses` gives ``word`` in the frame for ``pos`` (None: no frame)."""
    if pos not in FRAMES:
        return None
    tokens, tags = FRAMES[pos]
    filled = [word if t == "{}" else t for t in tokens]
    return words.senses(filled, tags)[tokens.index("{}")]


def predict(words, rows, mode: str) -> list[tuple[bool, bool, object]]:
    """(signed opposite, confident opposite, WordRelation) per row."""
    out = []
    lexicon = words.engine.lexicon
    for w1, w2, *_ in rows:
        s1 = s2 = None
        if mode == "context":
            pos = frame_pos(lexicon, w1, w2)
            s1, s2 = in_frame(words, w1, pos), in_frame(words, w2, pos)
        rel = words.relation(w1, w2, s1, s2)
        out.append((rel.kind is not None or rel.score < 0, rel.opposite, rel))
    return out


def prf(gold: list[bool], pred: list[bool]) -> dict:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if tp else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f}


def evaluate(words, rows) -> dict:
    """Per mode and split: P/R/F1 of signed and confident opposites, and synonyms called opposite."""
    results: dict = {}
    for mode in ("word", "context"):
        preds = predict(words, rows, mode)
        for split in ("dev", "test"):
            idx = [i for i, r in enumerate(rows) if r[4] == split]
            gold = [rows[i][2] in OPPOSITE for i in idx]
            synonyms = [i for i in idx if rows[i][2] == "synonym"]
            results[(mode, split)] = {
                "pairs": len(idx), "opposite": sum(gold),
                "signed": prf(gold, [preds[i][0] for i in idx]),
                "confident": prf(gold, [preds[i][1] for i in idx]),
                "synonyms": len(synonyms),
                "synonyms_signed": sum(preds[i][0] for i in synonyms),
                "synonyms_confident": sum(preds[i][1] for i in synonyms),
                "errors": [(rows[i][0], rows[i][1], rows[i][2], round(preds[i][2].score, 3), preds[i][2].rule,
                            preds[i][1]) for i in idx if (rows[i][2] in OPPOSITE) != preds[i][1]],
            }
    return results


def table(results: dict) -> str:
    lines = ["| mode | split | pairs (opposite) | signed P / R / F1 | confident P / R / F1 | synonyms signed / confident |",
             "|---|---|---|---|---|---|"]
    for (mode, split), r in results.items():
        s, c = r["signed"], r["confident"]
        lines.append(f"| {mode} | {split} | {r['pairs']} ({r['opposite']}) | "
                     f"{s['precision']:.3f} / {s['recall']:.3f} / {s['f1']:.3f} | "
                     f"{c['precision']:.3f} / {c['recall']:.3f} / {c['f1']:.3f} | "
                     f"{r['synonyms_signed']} / {r['synonyms_confident']} of {r['synonyms']} |")
    return "\n".join(lines)


PARAPHRASE_SOURCES = ("lcqmc/dev.tsv", "bq_corpus/dev.tsv")  # dev splits only


def paraphrase_false_opposites(data_dir: Path, limit: int) -> dict:
    """Per source: paraphrase pairs (label 1) with an aligned confident-opposite word pair, and examples."""
    from simcalc.io import read_pairs
    from simcalc.rules.scorer import RulesScorer

    scorer = RulesScorer(data_dir=data_dir)
    words = scorer.words
    out: dict = {}
    for rel in PARAPHRASE_SOURCES:
        rows = []
        for row in read_pairs(data_dir / rel):
            if not row.error and row.label == "1" and row.sentence1 and row.sentence2:
                rows.append((row.sentence1, row.sentence2))
            if len(rows) >= limit:
                break
        sides = scorer.analyse_many([t for pair in rows for t in pair])
        hits, examples, words_hit = 0, [], Counter()
        for t1, t2 in rows:
            a, b = sides[t1], sides[t2]
            pa, pb = a.sentence.parse, b.sentence.parse
            found = None
            for (p, sa), (q, sb) in (((pa, a), (pb, b)), ((pb, b), (pa, a))):
                for i, x in enumerate(p.tokens):
                    if x in q.tokens or not any(ch.isalnum() for ch in x):
                        continue  # an identical word elsewhere is its alignment
                    cands = [(words.relation(x, y, sa.senses[i], sb.senses[j]), y) for j, y in enumerate(q.tokens)
                             if any(ch.isalnum() for ch in y)]
                    if not cands:
                        continue
                    r, y = max(cands, key=lambda t: abs(t[0].score))
                    if r.opposite and x != y:
                        found = (x, y, r.rule)
                        break
                if found:
                    break
            if found:
                hits += 1
                words_hit[found[:2]] += 1
                if len(examples) < 15:
                    examples.append((t1, t2, *found))
        out[rel] = {"paraphrases": len(rows), "with_confident_opposite": hits,
                    "rate": hits / len(rows) if rows else float("nan"), "examples": examples,
                    "top_words": words_hit.most_common(10)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("SIMCALC_DATA_DIR"))
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--paraphrases", type=int, default=0, help="also count false opposites on N paraphrases")
    parser.add_argument("--errors", choices=("dev", "test"), help="list the misclassified pairs of a split")
    parser.add_argument("--json", help="also write all numbers to this file")
    args = parser.parse_args(argv)
    if not args.data_dir:
        parser.error("set SIMCALC_DATA_DIR or pass --data-dir")
    from simcalc.rules.words import HowNetWords

    rows = read_labelled(args.pairs)
    words = HowNetWords(args.data_dir)
    results = evaluate(words, rows)
    print(f"opposite word pairs ({args.pairs.name}; 'test' is held out):")
    print(table(results))
    report: dict = {"pairs": {f"{m}/{s}": r for (m, s), r in results.items()}}
    if args.errors:
        for mode in ("word", "context"):
            print(f"\n{mode} / {args.errors}: errors of the confident flag (word1 word2 gold score rule confident)")
            for e in results[(mode, args.errors)]["errors"]:
                print("  ", *e)
    if args.paraphrases:
        report["paraphrases"] = found = paraphrase_false_opposites(Path(args.data_dir), args.paraphrases)
        print("\nparaphrase pairs with an aligned confident-opposite word pair:")
        for rel, r in found.items():
            print(f"  {rel}: {r['with_confident_opposite']}/{r['paraphrases']} = {r['rate']:.3%}; "
                  f"most frequent: {r['top_words']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
