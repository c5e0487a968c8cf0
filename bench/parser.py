"""Parser benchmark: UAS/LAS, HED and the rule engine's centre words on UD Chinese GSD v1.4 dev/test
(simplified) from gold tokens and from raw text (jieba, the trained segmenter, the trained segmenter with
HowNet words merged back); the question gold set; the other UD Chinese treebanks (out of domain); speed.

    SIMCALC_DATA_DIR=... python bench/parser.py [--parser embedded|ltp] [--speed-sentences 2000]
    SIMCALC_DATA_DIR=... python bench/parser.py --speed-only --before ../main --threads 1,2

Speed runs in fresh processes, interleaved with ``--before``'s (another checkout) so that machine load hits
both alike; compare the ratio, not absolute numbers, on a shared machine.

HED: sentences whose predicted root word is the gold root word (same character span). pred./subj./obj.:
the rule engine's predicate, subject and object centre words of the first clause (``analyse`` with the
default config) equal those extracted from the gold tree (both absent counts as right), as in
bench/rules.py. Scores count every token, punctuation included (CoNLL 2018 style). With raw-text tokens
the words no longer match the treebank's, so scores are F1 over aligned words: a word counts when its character
span, its head's span (and the label, for LAS) match the gold tree. "UD" rows compare the embedded
parser's own UD v1 output with the treebank; "LTP" rows compare after converting both the gold
tree and the prediction with ``simcalc.rules.parse.ud_convert``. ``udchinese`` (UDPipe 1) is added when it
can be imported (``--udchinese-path`` adds a folder where it was pip-installed with ``--target``).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from simcalc.rules.components import analyse  # noqa: E402
from simcalc.rules.config import RuleConfig  # noqa: E402
from simcalc.rules.parse import get_parser  # noqa: E402
from simcalc.rules.parse.embedded.segmenter import TrainedSegmenter  # noqa: E402
from simcalc.rules.parse.types import Parse  # noqa: E402
from simcalc.rules.parse.conllu import UDSentence, read_conllu  # noqa: E402
from simcalc.rules.parse.segment import default_segmenter  # noqa: E402
from simcalc.rules.parse.ud_convert import convert  # noqa: E402
from simcalc.resources import find_resource, project_data_path  # noqa: E402

RULE_CONFIG = RuleConfig()

GSD = "ud_chinese/UD_Chinese-GSD_r1.4/zh-ud-{split}.conllu"
GSDSIMP = "ud_chinese/UD_Chinese-GSDSimp/zh_gsdsimp-ud-{split}.conllu"
ROOT = (-1, -1)


def spans(tokens: list[str]) -> list[tuple[int, int]]:
    out, start = [], 0
    for t in tokens:
        out.append((start, start + len(t)))
        start += len(t)
    return out


def arcs(tokens: list[str], heads: list[int], rels: list[str]) -> dict[tuple[int, int], tuple]:
    sp = spans(tokens)
    return {sp[i]: (sp[h - 1] if h else ROOT, r) for i, (h, r) in enumerate(zip(heads, rels))}


class Score:
    """Aligned-word counts; with identical tokens F1 equals plain accuracy."""

    def __init__(self) -> None:
        self.gold = self.pred = self.words = self.uas = self.las = 0

    def add(self, gold: dict, pred: dict) -> None:
        self.gold += len(gold)
        self.pred += len(pred)
        for span, (head, rel) in pred.items():
            if span in gold:
                self.words += 1
                if gold[span][0] == head:
                    self.uas += 1
                    self.las += gold[span][1] == rel

    def f1(self, correct: int) -> float:
        if not correct:
            return 0.0
        p, r = correct / self.pred, correct / self.gold
        return 100 * 2 * p * r / (p + r)

    def row(self) -> dict:
        return {"words_f1": self.f1(self.words), "uas": self.f1(self.uas), "las": self.f1(self.las)}


def gold_trees(sentences: list[UDSentence]):
    for s in sentences:
        ltp = convert(s.tokens, s.upos, s.heads, s.deprels, s.xpos)
        yield s, arcs(s.tokens, s.heads, s.deprels), arcs(s.tokens, ltp.heads, ltp.rels)


_SEGMENTERS: dict[str, object] = {}


def segmenter_for(tokenizer: str):
    """jieba (precise mode), the trained segmenter, or the trained one with HowNet words merged back."""
    if tokenizer not in _SEGMENTERS:
        if tokenizer == "jieba":
            _SEGMENTERS[tokenizer] = default_segmenter(None)
        elif tokenizer == "trained":
            _SEGMENTERS[tokenizer] = TrainedSegmenter()
        elif tokenizer == "trained+hownet":
            from simcalc import hownet_sim

            lexicon = hownet_sim.get_engine().lexicon
            _SEGMENTERS[tokenizer] = TrainedSegmenter(known=lambda w: bool(lexicon.def_ids(w)))
        else:
            raise SystemExit(f"unknown tokenizer {tokenizer}")
    return _SEGMENTERS[tokenizer]


def token_batch(sentences: list[UDSentence], tokenizer: str) -> list[list[str]]:
    """The treebank's own tokens ("gold") or a segmentation of the raw text."""
    if tokenizer == "gold":
        return [list(s.tokens) for s in sentences]
    return cut_texts([s.text for s in sentences], tokenizer)


def cut_texts(texts: list[str], tokenizer: str) -> list[list[str]]:
    seg = segmenter_for(tokenizer)
    return seg.cut_many(texts) if hasattr(seg, "cut_many") else [seg(t) for t in texts]


def centres(parse: Parse) -> tuple:
    """Predicate, subject and object centre words of the first clause, as the rule engine extracts them."""
    sent = analyse(parse, RULE_CONFIG)
    if not sent.clauses:
        return (None, None, None)
    c = sent.clauses[0]
    return (c.predicate.centre.token, c.subject.centre.token if c.subject else None,
            c.object.centre.token if c.object else None)


def evaluate(parser, sentences: list[UDSentence], tokenizer: str) -> dict:
    """UD and LTP scores, HED and the rule engine's centre words of ``parser`` on gold or raw-text tokens."""
    t0 = time.time()
    batch = token_batch(sentences, tokenizer)
    seg_seconds = time.time() - t0
    start = time.time()
    parses = parser.parse_tokens_batch(batch)
    seconds = time.time() - start
    ud_out = parser.parse_ud(batch) if hasattr(parser, "parse_ud") else None
    ud, ltp = Score(), Score()
    hed = 0
    slots = np.zeros(3)
    for k, (s, gold_ud, gold_ltp) in enumerate(gold_trees(sentences)):
        tokens = batch[k]
        pred = arcs(tokens, parses[k].heads, parses[k].rels)
        ltp.add(gold_ltp, pred)
        hed += any(h == ROOT and gold_ltp.get(span, (None,))[0] == ROOT for span, (h, _) in pred.items())
        if ud_out is not None:
            _, heads, rels = ud_out[k]
            ud.add(gold_ud, arcs(tokens, heads, rels))
        conv = convert(s.tokens, s.upos, s.heads, s.deprels, s.xpos)
        gold_c = centres(Parse(list(s.tokens), conv.pos, conv.heads, conv.rels, "gold"))
        slots += [p == g for p, g in zip(centres(parses[k]), gold_c)]
    n = len(sentences)
    out = {"ltp": ltp.row(), "sentences_per_s": n / seconds, "segment_sentences_per_s": n / max(seg_seconds, 1e-9),
           "hed": 100 * hed / n, "centres": dict(zip(("predicate", "subject", "object"), (100 * slots / n).tolist()))}
    if ud_out is not None:
        out["ud"] = ud.row()
    return out


def segmentation_f1(sentences: list[UDSentence], tokenizer: str) -> float:
    score = Score()
    for s, tokens in zip(sentences, token_batch(sentences, tokenizer)):
        score.add({sp: None for sp in spans(s.tokens)}, {sp: None for sp in spans(tokens)})
    return score.f1(score.words)


#: One speed run in a fresh process (so another checkout can be timed alike): the BQ questions on stdin,
#: raw text (segmenter + parser) and jieba tokens (parser only, as the rule engine calls it), batches of 512.
SPEED_CODE = """
import json, sys, time
from simcalc.rules.parse import get_parser
from simcalc.rules.parse.segment import default_segmenter
texts, kind, threads = json.load(sys.stdin)
parser = get_parser("embedded", segmenter=kind, threads=threads)
tokens = [default_segmenter(None)(t) for t in texts]
parser.parse_batch(texts[:64]); parser.parse_tokens_batch(tokens[:64])  # warm-up
out = {}
for name, run in (("raw", lambda b: parser.parse_batch(b)), ("tokens", lambda b: parser.parse_tokens_batch(b))):
    items = texts if name == "raw" else tokens
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(items), 512):
        run(items[i: i + 512])
    out[name] = {"wall": len(items) / (time.perf_counter() - wall), "cpu": len(items) / (time.process_time() - cpu)}
out["torch_imported"] = "torch" in sys.modules
print(json.dumps(out))
"""


def speed_runs(checkouts: dict[str, Path], texts: list[str], kinds: list[str], threads: list[int],
               repeats: int) -> dict:
    """Sentences per second (wall and CPU, median of ``repeats`` interleaved rounds) per checkout, segmenter
    and thread count, each run in a fresh process with that checkout first on the path."""
    import os
    import statistics
    import subprocess

    samples: dict = {}
    for _ in range(repeats):
        for label, root in checkouts.items():
            for kind in kinds:
                for n in threads:
                    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": str(n),
                           "OPENBLAS_NUM_THREADS": str(n), "MKL_NUM_THREADS": str(n)}
                    done = subprocess.run([sys.executable, "-c", SPEED_CODE], input=json.dumps([texts, kind, n]),
                                          capture_output=True, text=True, cwd=root, env=env, check=True)
                    samples.setdefault((label, kind, n), []).append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = {}
    for (label, kind, n), runs in samples.items():
        rows[f"{label}/{kind}/threads_{n}"] = {
            f"{what}_{clock}": statistics.median(r[what][clock] for r in runs)
            for what in ("raw", "tokens") for clock in ("wall", "cpu")} | {"torch_imported": runs[0]["torch_imported"]}
    return rows


def print_speed(rows: dict, n: int) -> None:
    print(f"\nspeed: {n} BQ test questions, batches of 512; sentences/s (wall, and per CPU-second), median of "
          "interleaved fresh-process runs")
    print("| checkout | segmenter | threads | raw text wall | raw text CPU | jieba tokens wall | jieba tokens CPU "
          "| torch imported |")
    print("|---|---|---|---|---|---|---|---|")
    for key, r in rows.items():
        label, kind, threads = key.split("/")
        print(f"| {label} | {kind} | {threads.split('_')[1]} | {r['raw_wall']:.0f} | {r['raw_cpu']:.0f} | "
              f"{r['tokens_wall']:.0f} | {r['tokens_cpu']:.0f} | {'yes' if r['torch_imported'] else 'no'} |")


def bq_questions(n: int) -> list[str]:
    path = find_resource("bq_corpus/test.tsv", what="BQ corpus test set")
    seen: dict[str, None] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            for key in ("sentence1", "sentence2"):
                if row[key].strip():
                    seen.setdefault(row[key], None)
            if len(seen) >= n:
                break
    return list(seen)[:n]


#: Options of the embedded parser under test (``--model-dir``), also for the re-cut rows.
MODEL_OPTS: dict = {}


def who_parses(parser, tokenizer: str, name: str):
    """HowNet-merged words are parsed as the raw-text path does: re-cut into the segmenter's words, the
    tree merged back (``refine=True``); all other token lists as given (the default)."""
    return get_parser("embedded", refine=True, **MODEL_OPTS) if tokenizer == "trained+hownet" and name == "embedded" \
        else parser


def question_rows(parser, tokenizers: list[str], args_parser: str = "embedded",
                  file: str = "parser/questions_gold.conllu") -> dict:
    """HED / subject / object of a partial question tree file (default the gold set; strict span match,
    overlap in brackets)."""
    from simcalc.rules.parse.gold import read_question_gold, score_questions

    path = Path(file) if Path(file).exists() else project_data_path(file)
    gold = read_question_gold(path)
    rows = {}
    print(f"\n## Questions ({len(gold)}, {path.name})\n")
    print("| tokens | word F1 | HED | subject centre | object centre |")
    print("|---|---|---|---|---|")
    for tokenizer in tokenizers:
        batch = cut_texts([q.text for q in gold], tokenizer) if tokenizer != "gold" else [q.tokens for q in gold]
        r = rows[tokenizer] = score_questions(gold, who_parses(parser, tokenizer, args_parser).parse_tokens_batch(batch))
        if tokenizer == "jieba" and args_parser == "embedded":  # the re-cut's effect on jieba words
            r0 = rows["jieba, re-cut"] = score_questions(
                gold, get_parser("embedded", refine=True, **MODEL_OPTS).parse_tokens_batch(batch))
            print(f"| jieba, re-cut (refine=True) | {r0['word_f1']:.1f} | {r0['HED']:.1f} ({r0['HED_overlap']:.1f}) | "
                  f"{r0['SBV']:.1f} ({r0['SBV_overlap']:.1f}) | {r0['VOB']:.1f} ({r0['VOB_overlap']:.1f}) |")
        print(f"| {tokenizer} | {r['word_f1']:.1f} | {r['HED']:.1f} ({r['HED_overlap']:.1f}) | "
              f"{r['SBV']:.1f} ({r['SBV_overlap']:.1f}) | {r['VOB']:.1f} ({r['VOB_overlap']:.1f}) |")
    return rows


OOD = {"HK": "ud_chinese/UD_Chinese-HK/zh_hk-ud-test.conllu", "CFL": "ud_chinese/UD_Chinese-CFL/zh_cfl-ud-test.conllu",
       "PUD": "ud_chinese/UD_Chinese-PUD/zh_pud-ud-test.conllu",
       "Beginner": "ud_chinese/UD_Chinese-Beginner/zh_beginner-ud-test.conllu"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parser", default="embedded")
    ap.add_argument("--speed-sentences", type=int, default=2000)
    ap.add_argument("--threads", default="1", help="threads for the speed runs (comma-separated counts)")
    ap.add_argument("--speed-only", action="store_true", help="only the speed table")
    ap.add_argument("--rules-segmenters", type=int, default=0, metavar="N",
                    help="only: the rule engine with jieba vs the trained segmenter on N BQ/LCQMC dev pairs")
    ap.add_argument("--rules-parsers", default=None, metavar="DIR,DIR",
                    help="only: the rule engine with these embedded-parser weight folders (e.g. the old and the "
                    "new data/parser) on --rules-pairs BQ/LCQMC dev pairs")
    ap.add_argument("--rules-question-roots", action="store_true",
                    help="only: the rule engine with the parser's question root repair off and on "
                    "(rules/parse/question_root.py) on --rules-pairs BQ/LCQMC dev pairs")
    ap.add_argument("--no-question-roots", action="store_true",
                    help="parse without the question root repair (the parser's trees as they come)")
    ap.add_argument("--questions", default=None, metavar="FILE",
                    help="only: HED / subject / object of this partial question file (a path, or one under data/, "
                    "e.g. parser/questions_train.conllu) with --tokenizers")
    ap.add_argument("--rules-pairs", type=int, default=1500)
    ap.add_argument("--before", type=Path, help="another checkout (e.g. the main branch) to time alongside")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds of the speed runs")
    ap.add_argument("--tokenizers", default="gold,jieba,trained,trained+hownet")
    ap.add_argument("--splits", default="dev,test")
    ap.add_argument("--udchinese-path", default=None)
    ap.add_argument("--no-ood", action="store_true", help="skip the other UD Chinese treebanks")
    ap.add_argument("--model-dir", default=None, help="embedded parser weights folder (default: data/parser)")
    ap.add_argument("--json", default=None, help="also write the numbers here")
    args = ap.parse_args()
    if args.rules_segmenters or args.rules_parsers or args.rules_question_roots:
        rows = (rules_parser_rows(args.rules_pairs, args.rules_parsers.split(",")) if args.rules_parsers
                else rules_question_root_rows(args.rules_pairs) if args.rules_question_roots
                else rules_segmenter_rows(args.rules_segmenters))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
        return
    if args.speed_only:
        results = {}
        run_speed(args, results)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
        return
    tokenizers = args.tokenizers.split(",")
    MODEL_OPTS.update({"model_dir": args.model_dir} if args.model_dir else {})
    MODEL_OPTS.update({"question_roots": False} if args.no_question_roots else {})
    parser = get_parser(args.parser, **MODEL_OPTS)
    if args.questions:
        rows = question_rows(parser, tokenizers, args.parser, args.questions)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
        return
    results: dict = {"parser": parser.name}
    print(f"parser: {parser.name}  ({getattr(parser, 'describe', lambda: {})()})")
    print("| data | tokens | UD UAS | UD LAS | LTP UAS | LTP LAS | word F1 | HED | pred. | subj. | obj. | sents/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for split in args.splits.split(","):
        sentences = read_conllu(find_resource(GSD.format(split=split)), simplify=True)
        for tokenizer in tokenizers:
            r = evaluate(who_parses(parser, tokenizer, args.parser), sentences, tokenizer)
            results[f"{split}/{tokenizer}"] = r
            ud = r.get("ud", {"uas": float("nan"), "las": float("nan")})
            c = r["centres"]
            print(f"| GSD 1.4 {split} | {tokenizer} | {ud['uas']:.1f} | {ud['las']:.1f} | {r['ltp']['uas']:.1f} "
                  f"| {r['ltp']['las']:.1f} | {r['ltp']['words_f1']:.1f} | {r['hed']:.1f} | {c['predicate']:.1f} "
                  f"| {c['subject']:.1f} | {c['object']:.1f} | {r['sentences_per_s']:.0f} |")
    results["questions"] = question_rows(parser, tokenizers, args.parser)
    if not args.no_ood:
        print("\n## Other UD Chinese treebanks (out of domain: never trained on; LTP columns vs converted gold)\n")
        print("| treebank | tokens | LTP UAS | LTP LAS | word F1 | HED |")
        print("|---|---|---|---|---|---|")
        for name, rel in OOD.items():
            sentences = read_conllu(find_resource(rel), simplify=True)
            for tokenizer in [t for t in tokenizers if t != "trained+hownet"]:
                r = evaluate(who_parses(parser, tokenizer, args.parser), sentences, tokenizer)
                results[f"{name}/{tokenizer}"] = r
                print(f"| {name} ({len(sentences)}) | {tokenizer} | {r['ltp']['uas']:.1f} | {r['ltp']['las']:.1f} | "
                      f"{r['ltp']['words_f1']:.1f} | {r['hed']:.1f} |")
    if args.udchinese_path:
        sys.path.insert(0, args.udchinese_path)
        ud_rows = run_udchinese()
        if ud_rows:
            results["udchinese"] = ud_rows
    if args.parser == "embedded" and args.speed_sentences:
        run_speed(args, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


def read_pairs(rel: str, n: int) -> list[tuple[str, str, int]]:
    """The first ``n`` labelled pairs of a corpus TSV (sentence1, sentence2, label)."""
    with open(find_resource(rel), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[:n]
    return [(r["sentence1"], r["sentence2"], int(r["label"])) for r in rows]


def rules_segmenter_rows(n: int) -> dict:
    """The rule engine (default config) with its words cut by jieba (what it ships with) and by the trained
    segmenter with HowNet words merged back, on the first ``n`` BQ and LCQMC dev pairs: ROC AUC of the score
    and accuracy at the scorer's threshold. Measures whether the segmenter should replace jieba there."""
    from simcalc.rules.parse.segment import model_segmenter

    def trained(scorer):
        scorer._segment = model_segmenter(None, known=getattr(scorer.words, "knows", None))

    return rule_engine_rows(n, "segmenter", {"jieba": None, "trained+hownet": trained})


def rules_parser_rows(n: int, model_dirs: list[str]) -> dict:
    """The rule engine (default config, jieba words) with the embedded parser's weights from each folder:
    whether a retrained parser is better *for the rule engine* (issue 18's shipping test)."""
    from simcalc.rules.parse.embedded.parser import EmbeddedParser

    def with_parser(folder: str):
        def setup(scorer):
            scorer.parser = EmbeddedParser(folder)
        return setup

    return rule_engine_rows(n, "parser weights", {"/".join(Path(d).parts[-2:]): with_parser(d) for d in model_dirs})


def rules_question_root_rows(n: int) -> dict:
    """The rule engine (default config, jieba words, shipped weights) with the embedded parser's question
    root repair off and on: whether re-rooting questions helps the rule engine."""
    from simcalc.rules.parse.embedded.parser import EmbeddedParser

    def roots(on: bool):
        def setup(scorer):
            scorer.parser = EmbeddedParser(question_roots=on)
        return setup

    return rule_engine_rows(n, "question roots", {"off": roots(False), "on": roots(True)})


def rule_engine_rows(n: int, what: str, variants: dict) -> dict:
    """ROC AUC and accuracy at the threshold of the rule engine on the first ``n`` BQ and LCQMC dev pairs, once
    per variant (a function that changes a fresh default :class:`RulesScorer`, or None for the default)."""
    from sklearn.metrics import roc_auc_score

    from simcalc.rules.scorer import RulesScorer

    rows: dict = {}
    print(f"\n## The rule engine's {what} ({n} dev pairs each; default config)\n")
    print(f"| data | {what} | ROC AUC | accuracy | pairs/s |")
    print("|---|---|---|---|---|")
    for name, rel in (("BQ dev", "bq_corpus/dev.tsv"), ("LCQMC dev", "lcqmc/dev.tsv")):
        pairs = read_pairs(rel, n)
        for kind, setup in variants.items():
            scorer = RulesScorer()
            if setup is not None:
                setup(scorer)
            start = time.process_time()
            results = scorer.score_batch([(a, b) for a, b, _ in pairs])
            rate = len(pairs) / (time.process_time() - start)
            labels = [y for _, _, y in pairs]
            scores = [r.score for r in results]
            acc = 100 * sum((s >= scorer.threshold) == bool(y) for s, y in zip(scores, labels)) / len(pairs)
            r = rows[f"{name}/{kind}"] = {"auc": 100 * roc_auc_score(labels, scores), "accuracy": acc,
                                          "pairs_per_cpu_s": rate, "scores": scores}
            print(f"| {name} | {kind} | {r['auc']:.1f} | {r['accuracy']:.1f} | {rate:.0f} |")
        if len(variants) == 2:
            a, b = (rows[f"{name}/{k}"]["scores"] for k in variants)
            changed = sum(abs(x - y) > 1e-9 for x, y in zip(a, b))
            print(f"| {name} | pairs whose score changed | {changed} of {len(pairs)} | | |")
    return rows


def run_speed(args, results: dict) -> None:
    questions = bq_questions(args.speed_sentences)
    checkouts = {"this": Path(__file__).resolve().parent.parent}
    if args.before:
        checkouts = {"before": args.before.resolve(), "after": checkouts["this"]}
    rows = speed_runs(checkouts, questions, ["trained", "jieba"], [int(t) for t in args.threads.split(",")],
                      args.repeats)
    results["speed"] = rows
    print_speed(rows, len(questions))


def run_udchinese() -> dict | None:
    """UDPipe 1's Chinese model from the ``udchinese`` package (via ``ufal.udpipe``), scored like the rows
    above. It emits UD v2 labels, so its "UD" columns are scored against GSDSimp (the same sentences,
    current annotation); its "LTP" columns, like ours, against converted GSD 1.4."""
    try:
        import udchinese
        from ufal.udpipe import Model, Pipeline, ProcessingError
    except ImportError:
        print("\nudchinese: not importable here; row omitted")
        return None
    model = Model.load(str(Path(udchinese.PACKAGE_DIR) / "ud-chinese.udpipe"))
    pipeline = Pipeline(model, "conllu", Pipeline.DEFAULT, Pipeline.DEFAULT, "conllu")
    rows = {}
    for split in ("dev", "test"):
        sentences = read_conllu(find_resource(GSD.format(split=split)), simplify=True)
        current = read_conllu(find_resource(GSDSIMP.format(split=split)), simplify=False)
        for tokenizer in ("gold", "jieba"):
            batch = token_batch(sentences, tokenizer)
            start = time.time()
            outputs = _udpipe_parse(pipeline, ProcessingError, batch)
            seconds = time.time() - start
            ud, ltp = Score(), Score()
            for (s, _, gold_ltp), simp, tokens, out in zip(gold_trees(sentences), current, batch, outputs):
                ud.add(arcs(simp.tokens, simp.heads, simp.deprels), arcs(tokens, out.heads, out.deprels))
                conv = convert(tokens, out.upos, out.heads, out.deprels, [""] * len(tokens))
                ltp.add(gold_ltp, arcs(tokens, conv.heads, conv.rels))
            r = rows[f"{split}/{tokenizer}"] = {"ud_vs_gsdsimp": ud.row(), "ltp": ltp.row(),
                                                "sentences_per_s": len(batch) / seconds}
            print(f"| udchinese {split} | {tokenizer} | {r['ud_vs_gsdsimp']['uas']:.1f}* | "
                  f"{r['ud_vs_gsdsimp']['las']:.1f}* | {r['ltp']['uas']:.1f} | {r['ltp']['las']:.1f} | "
                  f"{r['ltp']['words_f1']:.1f} | {r['sentences_per_s']:.0f} |")
    print("* udchinese UD columns: UD v2 labels scored against GSDSimp (current annotation of the same sentences)")
    return rows


def _udpipe_parse(pipeline, error_cls, batch: list[list[str]]) -> list[UDSentence]:
    """Tag and parse pre-tokenised sentences in one UDPipe call (CoNLL-U in, CoNLL-U out)."""
    import tempfile

    text = "".join("".join(f"{i}\t{t}\t_\t_\t_\t_\t_\t_\t_\t_\n" for i, t in enumerate(tokens, 1)) + "\n"
                   for tokens in batch)
    error = error_cls()
    out = pipeline.process(text, error)
    if error.occurred():
        raise RuntimeError(error.message)
    with tempfile.NamedTemporaryFile("w", suffix=".conllu", encoding="utf-8", delete=False) as handle:
        handle.write(out)
    parsed = read_conllu(handle.name, simplify=False)
    Path(handle.name).unlink()
    assert [len(p) for p in parsed] == [len(b) for b in batch]
    return parsed


if __name__ == "__main__":
    main()
