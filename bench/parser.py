"""Parser benchmark: UAS/LAS on UD Chinese GSD v1.4 dev/test (simplified), gold vs jieba tokens, and speed.

    SIMCALC_DATA_DIR=... python bench/parser.py [--parser embedded|ltp] [--speed-sentences 2000]

Scores count every token, punctuation included (CoNLL 2018 style). With jieba tokens the words no
longer match the treebank's, so scores are F1 over aligned words: a word counts when its character
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

from simcalc.rules.parse import get_parser  # noqa: E402
from simcalc.rules.parse.conllu import UDSentence, read_conllu  # noqa: E402
from simcalc.rules.parse.segment import default_segmenter  # noqa: E402
from simcalc.rules.parse.ud_convert import convert  # noqa: E402
from simcalc.resources import find_resource  # noqa: E402

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


def token_batch(sentences: list[UDSentence], tokenizer: str) -> list[list[str]]:
    """The treebank's own tokens ("gold") or jieba's segmentation of the raw text."""
    if tokenizer == "gold":
        return [list(s.tokens) for s in sentences]
    segment = default_segmenter(None)
    return [segment(s.text) for s in sentences]


def evaluate(parser, sentences: list[UDSentence], tokenizer: str) -> dict:
    """UD and LTP scores of ``parser`` on gold or jieba tokens."""
    batch = token_batch(sentences, tokenizer)
    start = time.time()
    parses = parser.parse_tokens_batch(batch)
    seconds = time.time() - start
    ud_out = parser.parse_ud(batch) if hasattr(parser, "parse_ud") else None
    ud, ltp = Score(), Score()
    for k, (s, gold_ud, gold_ltp) in enumerate(gold_trees(sentences)):
        tokens = batch[k]
        ltp.add(gold_ltp, arcs(tokens, parses[k].heads, parses[k].rels))
        if ud_out is not None:
            _, heads, rels = ud_out[k]
            ud.add(gold_ud, arcs(tokens, heads, rels))
    out = {"ltp": ltp.row(), "sentences_per_s": len(batch) / seconds}
    if ud_out is not None:
        out["ud"] = ud.row()
    return out


def speed(parser, texts: list[str], threads: int) -> float:
    import torch

    torch.set_num_threads(threads)
    parser.parse_batch(texts[:64])  # warm-up: jieba dictionary, first batch
    start = time.time()
    for i in range(0, len(texts), 512):
        parser.parse_batch(texts[i: i + 512])
    return len(texts) / (time.time() - start)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parser", default="embedded")
    ap.add_argument("--speed-sentences", type=int, default=2000)
    ap.add_argument("--threads", default="1,2", help="torch threads for the speed runs")
    ap.add_argument("--udchinese-path", default=None)
    ap.add_argument("--model-dir", default=None, help="embedded parser weights folder (default: data/parser)")
    ap.add_argument("--json", default=None, help="also write the numbers here")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    parser = get_parser(args.parser, **({"model_dir": args.model_dir} if args.model_dir else {}))
    results: dict = {"parser": parser.name}
    print(f"parser: {parser.name}  ({getattr(parser, 'describe', lambda: {})()})")
    print("| data | tokens | UD UAS | UD LAS | LTP UAS | LTP LAS | word F1 | sents/s |")
    print("|---|---|---|---|---|---|---|---|")
    for split in ("dev", "test"):
        sentences = read_conllu(find_resource(GSD.format(split=split)), simplify=True)
        for tokenizer in ("gold", "jieba"):
            r = evaluate(parser, sentences, tokenizer)
            results[f"{split}/{tokenizer}"] = r
            ud = r.get("ud", {"uas": float("nan"), "las": float("nan")})
            print(f"| GSD 1.4 {split} | {tokenizer} | {ud['uas']:.1f} | {ud['las']:.1f} | {r['ltp']['uas']:.1f} "
                  f"| {r['ltp']['las']:.1f} | {r['ltp']['words_f1']:.1f} | {r['sentences_per_s']:.0f} |")
    if args.udchinese_path:
        sys.path.insert(0, args.udchinese_path)
    ud_rows = run_udchinese()
    if ud_rows:
        results["udchinese"] = ud_rows
    questions = bq_questions(args.speed_sentences)
    print(f"\nspeed: {len(questions)} BQ questions (raw text: jieba + parse), batched")
    for threads in [int(t) for t in args.threads.split(",")]:
        rate = speed(parser, questions, threads)
        results[f"speed_threads_{threads}"] = rate
        print(f"  torch threads {threads}: {rate:.0f} sentences/s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


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
