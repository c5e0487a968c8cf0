#!/usr/bin/env python
"""Load test of ``simcalc serve`` on loopback, side by side with calling the library in the same process.

    SIMCALC_DATA_DIR=../shared/data python bench/serve.py [--scorers levenshtein,rules,ensemble]
        [--batch-scorers ensemble] [--clients 1 8 32] [--requests 1000] [--seconds 12] [--quick] [--json FILE]

Starts ``python -m simcalc.cli serve`` on 127.0.0.1 (a free port) and always stops it. Cells:
``POST /compare`` for each of ``--scorers`` and ``POST /score`` (batches of ``--batch`` pairs) for each of
``--batch-scorers``, each at 1, 8 and 32 concurrent clients (one keep-alive connection each). A cell
stops after ``--requests`` requests or ``--seconds`` seconds, whichever comes first; every cell takes
the next pairs of LCQMC dev (``$SIMCALC_DATA_DIR/lcqmc/dev.tsv``; a small built-in list without it).

Right after each served cell, the same pairs go through the same scorer in this process
(``simcalc.get_scorer``; ``score`` / ``score_batch`` as the server calls them) from as many worker
threads as there were clients (one thread: sequential): ``served ÷ direct`` is the HTTP overhead as a
ratio of pairs/s, and ``= direct`` says whether the served scores equal the library's. ``/health`` is a
probe sent every 0.1 s during the cell: when its latency approaches the requests', scoring blocks the
server's event loop. Server RSS (process and children) is taken after a warm-up and after every cell;
CPU % is per core (100 = one core busy). The client is a minimal keep-alive HTTP/1.1 client on asyncio
streams (``--client httpx`` for httpx, which costs several times the CPU per request). Absolute rates
depend on the machine and its load (the client shares it with the server): compare the ratios,
measured in the same run.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ServerProcess, pairs as read_pairs  # noqa: E402

log = logging.getLogger("bench.serve")

Pair = tuple[str, str]

#: Used when SIMCALC_DATA_DIR is not set: everyday questions, similar and not.
BUILTIN_PAIRS: list[Pair] = [
    ("怎么开通花呗", "花呗如何开通"), ("小明把门打开了", "门被小明打开了"), ("今天天气怎么样", "今天天气好吗"),
    ("我想退货", "如何申请退款"), ("这本书多少钱", "这本书的价格是多少"), ("银行卡丢了怎么办", "借记卡遗失如何处理"),
    ("他喜欢打篮球", "他不喜欢打篮球"), ("明天会下雨吗", "明天有雨吗"), ("怎么修改密码", "密码怎么改"),
    ("北京到上海有多远", "上海离北京多少公里"), ("手机充不进电", "手机无法充电怎么办"), ("猫为什么怕水", "狗为什么爱吃骨头"),
    ("如何学习英语", "怎样才能学好英语"), ("这家餐厅好吃吗", "这家饭店的菜味道怎么样"), ("借款什么时候到账", "贷款多久能到账"),
    ("电脑开不了机", "电脑无法启动"),
]


# -- pairs -----------------------------------------------------------------------------------------------
def load_pairs() -> tuple[list[Pair], str]:
    """LCQMC dev pairs (read with simcalc.io like the other benchmarks), or the built-in list."""
    from simcalc import datasets
    from simcalc.errors import ResourceNotFoundError

    if os.environ.get("SIMCALC_DATA_DIR"):
        try:
            path = datasets.resolve("lcqmc/dev.tsv")
        except ResourceNotFoundError as exc:
            log.warning("%s: using the built-in pairs", exc)
        else:
            pairs = read_pairs(path)
            return pairs, f"LCQMC dev ({len(pairs):,} pairs)"
    return list(BUILTIN_PAIRS), f"built-in list ({len(BUILTIN_PAIRS)} pairs; set SIMCALC_DATA_DIR for LCQMC dev)"


class PairStream:
    """Hands out consecutive pairs, wrapping around, so each cell gets pairs the previous ones did not."""

    def __init__(self, pairs: Sequence[Pair]) -> None:
        self._cycle = itertools.cycle(pairs)

    def take(self, n: int) -> list[Pair]:
        return list(itertools.islice(self._cycle, n))


# -- one measurement ---------------------------------------------------------------------------------------
@dataclass
class Cell:
    endpoint: str  # "/compare" or "/score"
    scorer: str
    clients: int
    batch: int  # pairs per request
    requests: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    health_ms: list[float] = field(default_factory=list, repr=False)
    errors: list[str] = field(default_factory=list)
    scores: dict[int, list[float]] = field(default_factory=dict, repr=False)
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    direct_pairs: int = 0
    direct_seconds: float = 0.0
    direct_errors: list[str] = field(default_factory=list)
    max_score_diff: float | None = None

    @property
    def req_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def pairs_per_s(self) -> float:
        return self.req_per_s * self.batch

    @property
    def direct_pairs_per_s(self) -> float:
        return self.direct_pairs / self.direct_seconds if self.direct_seconds else 0.0

    def summary(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in ("latencies_ms", "health_ms", "scores")}
        out.update(req_per_s=self.req_per_s, pairs_per_s=self.pairs_per_s, p50_ms=percentile(self.latencies_ms, 50),
                   p99_ms=percentile(self.latencies_ms, 99), health_p50_ms=percentile(self.health_ms, 50),
                   health_p99_ms=percentile(self.health_ms, 99),
                   direct_pairs_per_s=self.direct_pairs_per_s,
                   served_over_direct=self.pairs_per_s / self.direct_pairs_per_s if self.direct_pairs_per_s else None)
        return out


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def request_body(endpoint: str, scorer: str, pairs: Sequence[Pair]) -> bytes:
    if endpoint == "/compare":
        body: dict[str, Any] = {"sentence1": pairs[0][0], "sentence2": pairs[0][1], "scorer": scorer}
    else:
        body = {"pairs": [list(p) for p in pairs], "scorer": scorer}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def response_scores(endpoint: str, payload: dict[str, Any]) -> list[float]:
    if endpoint == "/compare":
        return [payload["score"]]
    return [r["score"] for r in payload["results"]]


class RawConnection:
    """One keep-alive HTTP/1.1 connection over asyncio streams: the lightest client there is.

    httpx spends about eight times the CPU per request (measured on this machine: ~2 ms against
    ~0.25 ms), and on a small machine the client competes with the server for the same cores.
    """

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        try:
            return await asyncio.wait_for(self._request(method, path, body), self.timeout)
        except BaseException:
            await self.close()  # a half-read response must not be read by the next request
            raise

    async def _request(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        self._writer.write(head.encode("ascii") + body)
        status = int((await self._reader.readuntil(b"\r\n")).split()[1])
        headers = {}
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while size := int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16):
                data += (await self._reader.readexactly(size + 2))[:-2]
            while await self._reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
        else:
            data = await self._reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, data

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class HttpxConnection:
    """The same interface over ``httpx.AsyncClient`` (``--client httpx``), for comparison."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        import httpx

        self._client = httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=timeout,
                                         limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        response = await self._client.request(method, path, content=body or None,
                                               headers={"content-type": "application/json"})
        return response.status_code, response.content

    async def close(self) -> None:
        await self._client.aclose()


CLIENTS = {"raw": RawConnection, "httpx": HttpxConnection}


async def _serve_load(port: int, cell: Cell, bodies: list[bytes], seconds: float, timeout: float,
                      client: str = "raw", on_tick: Callable[[], None] = lambda: None) -> None:
    """``cell.clients`` workers, one connection each, send ``bodies`` in order until they run out or
    ``seconds`` pass; a probe sends ``GET /health`` every 0.1 s meanwhile."""
    connect = CLIENTS[client]
    counter = itertools.count()
    stop = asyncio.Event()

    async def worker(deadline: float) -> None:
        connection = connect("127.0.0.1", port, timeout)
        try:
            while time.perf_counter() < deadline:
                index = next(counter)
                if index >= len(bodies):
                    return
                began = time.perf_counter()
                try:
                    status, data = await connection.request("POST", cell.endpoint, bodies[index])
                    cell.latencies_ms.append((time.perf_counter() - began) * 1000)
                    if status != 200:
                        cell.errors.append(f"HTTP {status}: {data[:300].decode('utf-8', 'replace')}")
                    else:
                        cell.scores[index] = response_scores(cell.endpoint, json.loads(data))
                except Exception as exc:  # noqa: BLE001 - every failure is counted and shown, none stops the run
                    cell.latencies_ms.append((time.perf_counter() - began) * 1000)
                    cell.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        finally:
            await connection.close()

    async def probe() -> None:
        connection = connect("127.0.0.1", port, timeout)
        while not stop.is_set():
            began = time.perf_counter()
            try:
                status, data = await connection.request("GET", "/health")
                cell.health_ms.append((time.perf_counter() - began) * 1000)
                if status != 200:
                    cell.errors.append(f"/health HTTP {status}: {data[:200].decode('utf-8', 'replace')}")
            except Exception as exc:  # noqa: BLE001
                cell.errors.append(f"/health {type(exc).__name__}: {exc}"[:300])
            on_tick()
            try:
                await asyncio.wait_for(stop.wait(), 0.1)
            except TimeoutError:
                pass
        await connection.close()

    prober = asyncio.create_task(probe())
    began = time.perf_counter()
    await asyncio.gather(*(worker(began + seconds) for _ in range(cell.clients)))
    cell.seconds = time.perf_counter() - began
    stop.set()
    await prober
    cell.requests = len(cell.latencies_ms)


def run_served(server: ServerProcess, cell: Cell, batches: list[list[Pair]], seconds: float, timeout: float,
               client: str, rss_samples: list[float]) -> None:
    bodies = [request_body(cell.endpoint, cell.scorer, b) for b in batches]
    cell.rss_start_mb = server.rss_mb()
    server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
    asyncio.run(_serve_load(server.port, cell, bodies, seconds, timeout, client,
                            lambda: rss_samples.append(server.rss_mb())))
    cell.server_cpu_s = server.cpu_seconds() - server_cpu
    cell.client_cpu_s = time.process_time() - client_cpu
    cell.rss_end_mb = server.rss_mb()
    rss_samples.append(cell.rss_end_mb)


def run_direct(scorer: Any, cell: Cell, batches: list[list[Pair]], seconds: float, min_seconds: float = 0.3) -> None:
    """The same requests through ``scorer`` in this process, from ``cell.clients`` worker threads.

    Passes over the pairs repeat until ``min_seconds`` (only fast lexical scorers need that, for a
    measurable time); scores come from the first pass.
    """
    def call(batch: list[Pair]) -> list[float]:
        if cell.endpoint == "/compare":
            return [scorer.score(*batch[0]).score]
        return [r.score for r in scorer.score_batch(batch)]

    scores: dict[int, list[float]] = {}
    lock = threading.Lock()
    counter = itertools.count()  # task n is batch n % len(batches) in pass n // len(batches)
    done = 0
    began = time.perf_counter()

    def loop() -> None:
        nonlocal done
        while batches:
            repeat, index = divmod(next(counter), len(batches))
            elapsed = time.perf_counter() - began
            if elapsed >= seconds or (repeat and elapsed >= min_seconds):
                return
            try:
                result = call(batches[index])
            except Exception as exc:  # noqa: BLE001 - counted and shown like the served errors
                with lock:
                    cell.direct_errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            with lock:
                done += len(batches[index])
                if not repeat:
                    scores[index] = result

    # Worker threads even for 1 client, as the server scores: on the 2-core machine torch ran the ensemble
    # ~1.5x slower in the main thread than in a worker thread (same torch thread count), which would
    # flatter the served side.
    with ThreadPoolExecutor(cell.clients) as pool:
        for future in [pool.submit(loop) for _ in range(cell.clients)]:
            future.result()
    cell.direct_seconds = time.perf_counter() - began
    cell.direct_pairs = done
    diffs = [abs(a - b) for i, served in cell.scores.items() if i in scores for a, b in zip(served, scores[i])]
    cell.max_score_diff = max(diffs) if diffs else None


def make_scorer(name: str, config: str | None) -> Any:
    """The scorer the server answers with, built the same way (``registry.get``) in this process."""
    import simcalc

    if name == "ensemble":
        return simcalc.get_scorer(name, config=config or "default")
    return simcalc.get_scorer(name)


# -- the run -----------------------------------------------------------------------------------------------
def warm_up(server: ServerProcess, scorers: dict[str, Any], plan: list[tuple[str, str]], stream: PairStream,
            batch: int, requests: int, timeout: float, client: str) -> list[str]:
    """A few requests per endpoint and scorer (and direct calls) before any measurement; returns errors."""
    errors: list[str] = []
    for endpoint, scorer in plan:
        size = batch if endpoint == "/score" else 1
        batches = [stream.take(size) for _ in range(requests)]
        cell = Cell(endpoint, scorer, 4, size)
        asyncio.run(_serve_load(server.port, cell, [request_body(endpoint, scorer, b) for b in batches], 60.0,
                                timeout, client))
        errors += [f"warm-up {endpoint} {scorer}: {e}" for e in cell.errors]
        run_direct(scorers[scorer], Cell(endpoint, scorer, 1, size), batches[:4], 60.0, min_seconds=0)
    return errors


def fmt(value: float | None, pattern: str = "{:,.0f}") -> str:
    return "–" if value is None else pattern.format(value)


def table(cells: list[Cell]) -> list[str]:
    lines = [("| endpoint | scorer | clients | requests | req/s | pairs/s | p50 ms | p99 ms | /health p50 / p99 ms "
              "| errors | direct pairs/s | served ÷ direct | = direct | server RSS MB (Δ cell) | server CPU % "
              "| client CPU % |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in cells:
        s = c.summary()
        same = "–" if c.max_score_diff is None else ("yes" if c.max_score_diff <= 1e-9 else f"Δ {c.max_score_diff:.1e}")
        endpoint = c.endpoint if c.batch == 1 else f"{c.endpoint} ×{c.batch}"
        lines.append(
            f"| {endpoint} | {c.scorer} | {c.clients} | {c.requests} | {fmt(s['req_per_s'])} | {fmt(s['pairs_per_s'])} "
            f"| {fmt(s['p50_ms'], '{:.1f}')} | {fmt(s['p99_ms'], '{:.1f}')} | {fmt(s['health_p50_ms'], '{:.1f}')} / {fmt(s['health_p99_ms'], '{:.1f}')} "
            f"| {len(c.errors)} | {fmt(s['direct_pairs_per_s'])} | {fmt(s['served_over_direct'], '{:.2f}×')} | {same} "
            f"| {c.rss_end_mb:,.0f} ({c.rss_end_mb - c.rss_start_mb:+.1f}) "
            f"| {100 * c.server_cpu_s / c.seconds if c.seconds else 0:.0f} "
            f"| {100 * c.client_cpu_s / c.seconds if c.seconds else 0:.0f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorers", default="levenshtein,rules,ensemble", help="scorers for POST /compare")
    parser.add_argument("--batch-scorers", default="ensemble", help="scorers for POST /score batches ('' for none)")
    parser.add_argument("--batch", type=int, default=32, help="pairs per /score request")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32], help="concurrent clients per cell")
    parser.add_argument("--requests", type=int, help="at most this many requests per cell (default 1000; quick 40)")
    parser.add_argument("--seconds", type=float,
                        help="at most this long per cell and per direct run (default 12; quick 3)")
    parser.add_argument("--warmup", type=int, help="warm-up requests per endpoint and scorer (default 16; quick 4)")
    parser.add_argument("--config", help="ensemble config for the server and the direct calls (default: default)")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="raw",
                        help="raw: keep-alive HTTP/1.1 on asyncio streams (light); httpx: httpx.AsyncClient")
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout per request, seconds")
    parser.add_argument("--ready-timeout", type=float, default=180.0, help="seconds to wait for GET /health")
    parser.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                        help="extra argument for simcalc serve (repeatable), e.g. --server-arg=--workers=2")
    parser.add_argument("--quick", action="store_true",
                        help="short run: 40 requests / 3 s per cell, 1 and 8 clients unless given")
    parser.add_argument("--json", metavar="FILE", help="also write every cell's numbers as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("httpx", "httpcore"):  # a line per request would cost the client more than the request
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name, full, quick in (("requests", 1000, 40), ("seconds", 12.0, 3.0), ("warmup", 16, 4)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.quick and args.clients == [1, 8, 32]:
        args.clients = [1, 8]
    compare_scorers = [s for s in args.scorers.split(",") if s]
    batch_scorers = [s for s in args.batch_scorers.split(",") if s]
    if args.batch < 1 or args.requests < 1 or args.seconds <= 0 or min(args.clients) < 1 or args.warmup < 0:
        parser.error("--batch, --requests, --clients must be at least 1, --warmup not negative, --seconds positive")
    scorers = list(dict.fromkeys(compare_scorers + batch_scorers))
    if not scorers:
        parser.error("no scorers to load-test")

    pairs, source = load_pairs()
    stream = PairStream(pairs)
    extra = (["--config", args.config] if args.config else []) + args.server_arg
    cells: list[Cell] = []
    notes: list[str] = []
    with ServerProcess(scorers, extra, args.ready_timeout) as server:
        status = server.health.get("scorers", {})
        aliases = server.health.get("aliases", {})  # "ensemble" → "ensemble:bq"
        ready = []
        for name in scorers:
            info = status.get(aliases.get(name, name))
            if info is None:
                notes.append(f"{name}: skipped, the server's /health does not list it")
            elif info.get("status") != "ready":
                notes.append(f"{name}: skipped, the server says {info.get('status')}: {info.get('error')}")
            else:
                ready.append(name)
        plan = [("/compare", s) for s in compare_scorers if s in ready] + \
               [("/score", s) for s in batch_scorers if s in ready]
        direct = {}
        for name in dict.fromkeys(s for _, s in plan):
            log.info("loading %s in this process (direct calls)", name)
            direct[name] = make_scorer(name, args.config)
        log.info("warming up: %d requests per endpoint and scorer", args.warmup)
        warm_errors = warm_up(server, direct, plan, stream, args.batch, args.warmup, args.timeout, args.client)
        notes += warm_errors
        rss_base = server.rss_mb()
        rss_samples = [rss_base]
        for endpoint, scorer in plan:
            size = args.batch if endpoint == "/score" else 1
            for clients in args.clients:
                if not server.alive():
                    notes.append(f"the server died (exit code {server.proc.returncode}):\n{server.output_tail()}")
                    break
                cell = Cell(endpoint, scorer, clients, size)
                batches = [stream.take(size) for _ in range(args.requests)]
                run_served(server, cell, batches, args.seconds, args.timeout, args.client, rss_samples)
                run_direct(direct[scorer], cell, batches[:cell.requests], args.seconds)
                s = cell.summary()
                log.info("%s %s × %d: %d requests, %.1f req/s, p50 %.1f ms, p99 %.1f ms, %d errors; direct %.1f pairs/s",
                         endpoint, scorer, clients, cell.requests, cell.req_per_s, s["p50_ms"] or 0, s["p99_ms"] or 0,
                         len(cell.errors), cell.direct_pairs_per_s)
                cells.append(cell)
        rss_end = server.rss_mb()
        server_log = server.output()
    tracebacks = server_log.count("Traceback")
    if tracebacks:
        notes.append(f"the server logged {tracebacks} traceback(s); last lines:\n{server_log[-2000:]}")

    load = os.getloadavg()[0]
    print(f"`simcalc serve` on 127.0.0.1 under load: {source}; at most {args.requests} requests or "
          f"{args.seconds:g} s per cell; {len(os.sched_getaffinity(0))} cores, load average {load:.1f}\n")
    print("\n".join(table(cells)))
    growth = rss_end - rss_base
    half = cells[len(cells) // 2].rss_start_mb if cells else rss_base
    print(f"\nserver RSS after warm-up {rss_base:,.0f} MB, peak {max(rss_samples):,.0f} MB, at the end {rss_end:,.0f} MB: "
          f"growth over the run {growth:+.1f} MB ({100 * growth / rss_base if rss_base else 0:+.1f}%), "
          f"over its second half (last {len(cells) - len(cells) // 2} cells) {rss_end - half:+.1f} MB")
    total_errors = sum(len(c.errors) for c in cells) + sum(len(c.direct_errors) for c in cells)
    print(f"errors: {total_errors}")
    for c in cells:
        for error in dict.fromkeys(c.errors + [f"direct: {e}" for e in c.direct_errors]):
            print(f"  {c.endpoint} {c.scorer} ×{c.clients}: {error}")
    for note in notes:
        print(f"note: {note}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "source": source, "requests": args.requests, "seconds": args.seconds, "load_average": load,
            "rss_after_warmup_mb": rss_base, "rss_peak_mb": max(rss_samples), "rss_end_mb": rss_end,
            "rss_second_half_start_mb": half,
            "errors": total_errors, "notes": notes, "cells": [c.summary() for c in cells]},
            indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if total_errors or warm_errors else 0


if __name__ == "__main__":
    sys.exit(main())
