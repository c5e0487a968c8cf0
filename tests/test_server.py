"""The HTTP API (``simcalc serve``): every endpoint, every bad input, the limits, concurrency.

Answers are checked against the library called directly, never against numbers written here.
"""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi", reason="the server extra (fastapi) is not installed: pip install 'simcalc[serve]'")

from fastapi.testclient import TestClient  # noqa: E402

import simcalc  # noqa: E402
from simcalc.result import Result  # noqa: E402
from simcalc.scorer import PairwiseScorer  # noqa: E402
from simcalc.server import ServerSettings, create_app  # noqa: E402
from simcalc.server.scorers import ScorerPool, Served  # noqa: E402

PAIRS = [("怎么开通花呗", "花呗如何开通"), ("我想还款", "怎样还钱"), ("今天天气很好", "明天会下雨吗"),
         ("小明把门打开了", "门被小明打开了"), ("借呗额度", "借呗的额度是多少"), ("hello world", "hello there")]


class SlowScorer(PairwiseScorer):
    """Takes ``delay`` seconds per pair: the per-request time limit must answer 504 before it ends."""

    name = "slow"
    range = (0.0, 1.0)

    def __init__(self, delay: float = 3.0) -> None:
        super().__init__()
        self.delay = delay

    def _score_pair(self, a: str, b: str) -> Result:
        time.sleep(self.delay)
        return Result(1.0, self.name)


SETTINGS = ServerSettings(scorers=("levenshtein", "jaro_winkler", "tfidf"), view=False, max_pairs=8, max_chars=60,
                          max_body_bytes=20_000, max_candidates=10, max_top_k=5, timeout_s=0.5, threads=4)


def make_pool(settings: ServerSettings = SETTINGS) -> ScorerPool:
    pool = ScorerPool(settings)
    pool.entries["slow"] = Served("slow", "lexical", "sleeps (tests)", SlowScorer())
    pool.entries["broken"] = Served("broken", "neural", "never loads (tests)", None,
                                    "ResourceNotFoundError: model file broken.safetensors does not exist")
    return pool


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(SETTINGS, pool=make_pool())) as c:
        yield c


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and {"type", "message", "field"} <= set(body["error"])
    assert "Traceback" not in response.text
    return body["error"]


# -- the endpoints -------------------------------------------------------------------------------
def test_health_reports_each_scorer_and_why_one_is_missing(client):
    body = client.get("/health").json()
    assert body["status"] == "degraded"
    assert body["scorers"]["levenshtein"]["status"] == "ready"
    assert body["scorers"]["broken"] == {"status": "unavailable", "load_seconds": 0.0,
                                         "error": "ResourceNotFoundError: model file broken.safetensors does not exist"}
    assert body["limits"]["max_pairs"] == 8 and body["version"] == simcalc.__version__


def test_scorers_lists_status_range_threshold_and_default(client):
    body = client.get("/scorers").json()
    by_name = {s["name"]: s for s in body["scorers"]}
    assert body["default"] == "levenshtein"
    lev = simcalc.get_scorer("levenshtein")
    assert by_name["levenshtein"]["range"] == list(lev.range)
    assert by_name["levenshtein"]["threshold"] == lev.threshold
    assert by_name["broken"]["status"] == "unavailable" and "broken.safetensors" in by_name["broken"]["error"]


@pytest.mark.parametrize("scorer", ["levenshtein", "jaro_winkler"])
def test_compare_equals_the_library(client, scorer):
    for a, b in PAIRS:
        got = client.post("/compare", json={"sentence1": a, "sentence2": b, "scorer": scorer}).json()
        want = simcalc.compare(a, b, scorer=scorer)
        assert got["score"] == pytest.approx(want.score)
        assert got["label"] == want.label and got["scorer"] == scorer
        assert got["details"] == json.loads(json.dumps(want.details))


def test_compare_uses_the_default_scorer_and_accepts_other_spellings(client):
    a, b = PAIRS[0]
    default = client.post("/compare", json={"sentence1": a, "sentence2": b}).json()
    assert default["scorer"] == "levenshtein"
    spelled = client.post("/compare", json={"sentence1": a, "sentence2": b, "scorer": "Jaro-Winkler"}).json()
    assert spelled["scorer"] == "jaro_winkler"


def test_score_batch_keeps_order_and_equals_the_library(client):
    response = client.post("/score", json={"pairs": [list(p) for p in PAIRS], "scorer": "jaro_winkler"})
    assert response.status_code == 200
    body = response.json()
    want = simcalc.get_scorer("jaro_winkler").score_batch(PAIRS)
    assert body["scorer"] == "jaro_winkler"
    assert [r["score"] for r in body["results"]] == pytest.approx([r.score for r in want])


def test_score_errors_keep_gives_bad_pairs_an_entry_in_place(client):
    pairs = [list(PAIRS[0]), ["。。。", "好"], list(PAIRS[1]), ["好", "x" * 61]]
    body = client.post("/score", json={"pairs": pairs, "errors": "keep"}).json()
    results = body["results"]
    assert results[0]["score"] == pytest.approx(simcalc.compare(*PAIRS[0], scorer="levenshtein").score)
    assert results[1] == {"index": 1, "error": "pairs.1.0 has only punctuation; there is nothing to compare",
                          "score": None}
    assert results[2]["score"] == pytest.approx(simcalc.compare(*PAIRS[1], scorer="levenshtein").score)
    assert results[3]["score"] is None and "pairs.3.1" in results[3]["error"] and "60" in results[3]["error"]


def test_explain_without_view_is_the_result_with_details(client):
    a, b = PAIRS[0]
    body = client.post("/explain", json={"sentence1": a, "sentence2": b, "scorer": "tfidf", "view": False}).json()
    assert body["result"]["scorer"] == "tfidf" and "details" in body["result"]
    assert body["analysis"] is None and body["html"] is None


def test_rank_orders_candidates_like_the_engine(client):
    candidates = ["花呗怎么开通", "借呗怎么还款", "花呗如何关闭", "今天天气"]
    body = client.post("/rank", json={"query": "如何开通花呗", "candidates": candidates, "top_k": 3,
                                      "scorer": "jaro_winkler"}).json()
    want = simcalc.Engine(scorer="jaro_winkler").rank("如何开通花呗", candidates, top_k=3)
    assert [m["index"] for m in body["matches"]] == [m.index for m in want]
    assert [m["text"] for m in body["matches"]] == [m.text for m in want]
    assert [m["rank"] for m in body["matches"]] == [1, 2, 3]


def test_rank_uses_the_faq_the_server_was_started_with(tmp_path):
    faq = tmp_path / "faq.txt"
    faq.write_text("花呗怎么开通\n\n借呗怎么还款\t答案\n花呗如何关闭\n", encoding="utf-8")
    settings = ServerSettings(scorers=("levenshtein",), view=False, faq=str(faq))
    with TestClient(create_app(settings)) as c:
        body = c.post("/rank", json={"query": "怎么开通花呗", "top_k": 2}).json()
        assert [m["text"] for m in body["matches"]] == [m.text for m in simcalc.Engine(scorer="levenshtein").rank(
            "怎么开通花呗", ["花呗怎么开通", "借呗怎么还款", "花呗如何关闭"], top_k=2)]


def test_openapi_documents_every_endpoint_and_docs_work_offline(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/compare", "/score", "/explain", "/rank", "/scorers", "/health"} <= set(paths)
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_page_and_its_assets_load_nothing_from_elsewhere(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'id="sentence1"' in page.text and 'id="sentence2"' in page.text and 'id="scorer"' in page.text
    for name in ("app.js", "page.css", "simcalc.css"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200
    for text in (page.text, client.get("/static/app.js").text, client.get("/static/page.css").text):
        assert "http://" not in text and "https://" not in text and "//cdn" not in text


@pytest.mark.parametrize("path", ["/static/index.html", "/static/..%2F..%2Fsetup.py", "/static/%2Fetc%2Fpasswd",
                                  "/docs-assets/..%2Findex.j2"])
def test_static_routes_serve_a_fixed_list_only(client, path):
    assert error_of(client.get(path), 404)["type"] == "not_found"


# -- bad input: a 4xx naming the field, never a 500 ------------------------------------------------
GOOD = {"sentence1": "怎么开通花呗", "sentence2": "花呗如何开通"}


@pytest.mark.parametrize("body, status, kind, field", [
    ({"sentence1": 12, "sentence2": "好"}, 422, "invalid_request", "sentence1"),
    ({"sentence1": None, "sentence2": "好"}, 422, "invalid_request", "sentence1"),
    ({"sentence1": ["好"], "sentence2": "好"}, 422, "invalid_request", "sentence1"),
    ({"sentence2": "好"}, 422, "invalid_request", "sentence1"),
    ({**GOOD, "sentense3": "x"}, 422, "invalid_request", "sentense3"),
    ({"sentence1": "", "sentence2": "好"}, 422, "invalid_text", "sentence1"),
    ({"sentence1": "好", "sentence2": "   "}, 422, "invalid_text", "sentence2"),
    ({"sentence1": "？！。，", "sentence2": "好"}, 422, "invalid_text", "sentence1"),
    ({"sentence1": "\x00\x07\u200b", "sentence2": "好"}, 422, "invalid_text", "sentence1"),
    ({"sentence1": "好" * 61, "sentence2": "好"}, 422, "text_too_long", "sentence1"),
    ({**GOOD, "scorer": "levenstein"}, 422, "unknown_scorer", "scorer"),
    ({**GOOD, "scorer": "mgf"}, 422, "unknown_scorer", "scorer"),
    ({**GOOD, "scorer": 3}, 422, "invalid_request", "scorer"),
    ({**GOOD, "scorer": "broken"}, 503, "scorer_unavailable", "scorer"),
])
@pytest.mark.parametrize("route", ["/compare", "/explain"])
def test_bad_pair_requests(client, route, body, status, kind, field):
    error = error_of(client.post(route, json=body), status)
    assert (error["type"], error["field"]) == (kind, field)
    assert error["message"]


def test_unknown_scorer_suggests_the_name(client):
    error = error_of(client.post("/compare", json={**GOOD, "scorer": "levenstein"}), 422)
    assert "did you mean 'levenshtein'" in error["message"]


def test_emoji_and_other_scripts_are_scored_not_refused(client):
    for a, b in [("😀😀", "😃"), ("สวัสดี", "привет"), ("apple pie", "苹果派")]:
        response = client.post("/compare", json={"sentence1": a, "sentence2": b})
        assert response.status_code == 200
        assert response.json()["score"] == pytest.approx(simcalc.compare(a, b, scorer="levenshtein").score)


@pytest.mark.parametrize("content, status, kind", [
    (b"{not json", 400, "malformed_json"),
    (b'{"sentence1": "a", "sentence2": "b"', 400, "malformed_json"),
    (b"", 422, "missing_body"),
    (b"[1, 2]", 422, "invalid_request"),
    (b'"text"', 422, "invalid_request"),
    ("{\"sentence1\": \"\u597d\", \"sentence2\": \"\u597d\"}".encode("gbk"), 400, "malformed_json"),
])
def test_malformed_bodies(client, content, status, kind):
    response = client.post("/compare", content=content, headers={"content-type": "application/json"})
    assert error_of(response, status)["type"] == kind


@pytest.mark.parametrize("body, field, kind", [
    ({"pairs": [["好", "好"]] * 9}, "pairs", "too_many_pairs"),
    ({"pairs": [["好", "好", "好"]]}, "pairs.0", "invalid_request"),
    ({"pairs": [["好"]]}, "pairs.0.1", "invalid_request"),
    ({"pairs": [["好", 5]]}, "pairs.0.1", "invalid_request"),
    ({"pairs": "好"}, "pairs", "invalid_request"),
    ({"pairs": [["好", "好"], ["好", "!!"]]}, "pairs.1.1", "invalid_text"),
    ({"pairs": [["好", "好"]], "errors": "ignore"}, "errors", "invalid_request"),
])
def test_bad_score_requests(client, body, field, kind):
    error = error_of(client.post("/score", json=body), 422)
    assert (error["type"], error["field"]) == (kind, field)


@pytest.mark.parametrize("body, field, kind", [
    ({"query": "好"}, "candidates", "no_candidates"),
    ({"query": "好", "candidates": []}, "candidates", "no_candidates"),
    ({"query": "好", "candidates": ["a"] * 11}, "candidates", "too_many_candidates"),
    ({"query": "好", "candidates": ["a", ""]}, "candidates.1", "invalid_text"),
    ({"query": "。", "candidates": ["a"]}, "query", "invalid_text"),
    ({"query": "好", "candidates": ["a"], "top_k": 0}, "top_k", "invalid_request"),
    ({"query": "好", "candidates": ["a"], "top_k": 6}, "top_k", "top_k_too_large"),
    ({"query": "好", "candidates": ["a"], "top_k": "2"}, "top_k", "invalid_request"),
])
def test_bad_rank_requests(client, body, field, kind):
    error = error_of(client.post("/rank", json=body), 422)
    assert (error["type"], error["field"]) == (kind, field)


def test_body_size_limit_by_header_and_by_stream(client):
    big = json.dumps({"sentence1": "好" * 10_000, "sentence2": "好"}).encode()
    assert error_of(client.post("/compare", content=big, headers={"content-type": "application/json"}),
                    413)["type"] == "body_too_large"

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(30):
            yield b" " * 1000

    response = client.post("/compare", content=chunks(), headers={"content-type": "application/json"})
    assert error_of(response, 413)["type"] == "body_too_large"


def test_unknown_route_and_method(client):
    assert error_of(client.get("/nowhere"), 404)["type"] == "not_found"
    assert error_of(client.get("/compare"), 405)["type"] == "method_not_allowed"


def test_request_over_the_time_limit_is_504_and_the_server_keeps_answering(client):
    error = error_of(client.post("/compare", json={**GOOD, "scorer": "slow"}), 504)
    assert error["type"] == "timeout" and "0.5" in error["message"]
    assert client.get("/health").status_code == 200
    assert client.post("/compare", json=GOOD).status_code == 200


# -- concurrency: a real server, parallel clients ---------------------------------------------------
@contextmanager
def running(app):
    """``app`` under uvicorn in a thread on a free loopback port (parallel requests need real sockets)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def live_url():
    settings = ServerSettings(scorers=("levenshtein", "jaro_winkler", "tfidf"), view=False, timeout_s=10, threads=4)
    with running(create_app(settings, pool=make_pool(settings))) as url:
        yield url


def test_parallel_requests_give_the_sequential_answers(live_url):
    import httpx

    jobs = [("/compare", {"sentence1": a, "sentence2": b, "scorer": s})
            for s in ("levenshtein", "jaro_winkler", "tfidf") for a, b in PAIRS]
    jobs += [("/score", {"pairs": [list(p) for p in PAIRS[i:] + PAIRS[:i]], "scorer": "jaro_winkler"})
             for i in range(len(PAIRS))]
    jobs += [("/rank", {"query": a, "candidates": [b for _, b in PAIRS], "top_k": 3}) for a, _ in PAIRS]
    with httpx.Client(base_url=live_url, timeout=30) as c:
        sequential = [c.post(path, json=body).json() for path, body in jobs]

    def call(job):
        with httpx.Client(base_url=live_url, timeout=30) as c:
            return c.post(job[0], json=job[1]).json()

    with ThreadPoolExecutor(16) as pool:
        parallel = list(pool.map(call, jobs * 3))
    assert parallel == sequential * 3


def test_a_slow_request_does_not_block_the_others(live_url):
    import httpx

    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(httpx.post, live_url + "/compare", json={**GOOD, "scorer": "slow"}, timeout=30)
        time.sleep(0.3)  # the slow request is being scored
        health = httpx.get(live_url + "/health", timeout=30)
        quick = httpx.post(live_url + "/compare", json=GOOD, timeout=30)
        assert health.status_code == 200 and quick.status_code == 200
        assert not slow.done(), "the quick requests waited for the slow one"
        assert slow.result().status_code == 200


# -- start-up --------------------------------------------------------------------------------------
def test_a_scorer_that_cannot_load_is_503_and_health_says_why(monkeypatch, tmp_path):
    from simcalc import registry

    from simcalc.errors import ResourceNotFoundError
    from simcalc.hownet_sim import api, index

    def no_packaged_lexicon(name):
        raise ResourceNotFoundError(f"the packaged lexicon index {name}.idx is missing (test)")

    monkeypatch.setenv("SIMCALC_DATA_DIR", str(tmp_path))  # no HowNet there, nor in the package: the rule engine cannot load
    monkeypatch.setattr(index, "packaged_path", no_packaged_lexicon)
    monkeypatch.setattr(api, "_engines", {})  # not the engine an earlier test loaded
    monkeypatch.setattr(registry, "_cache", {})  # not the rules scorer an earlier test loaded with HowNet
    settings = ServerSettings(scorers=("levenshtein", "rules"), view=False)
    with TestClient(create_app(settings)) as c:
        health = c.get("/health").json()
        assert health["status"] == "degraded"
        assert health["scorers"]["levenshtein"]["status"] == "ready"
        reason = health["scorers"]["rules"]["error"]
        assert health["scorers"]["rules"]["status"] == "unavailable" and reason
        error = error_of(c.post("/compare", json={**GOOD, "scorer": "rules"}), 503)
        assert error["field"] == "scorer" and reason.split(": ", 1)[1][:40] in error["message"]
        assert c.post("/compare", json=GOOD).status_code == 200


def test_settings_reject_nonsense_limits():
    with pytest.raises(ValueError, match="max_pairs"):
        ServerSettings(max_pairs=0)
    with pytest.raises(ValueError, match="timeout"):
        ServerSettings(timeout_s=0)
    settings = ServerSettings(scorers=("levenshtein",), configs=("lexical",), max_chars=9)
    assert ServerSettings.from_json(settings.to_json()) == settings


def test_cli_serve_refuses_an_unknown_scorer():
    from click.testing import CliRunner

    from simcalc.cli import main

    result = CliRunner().invoke(main, ["serve", "--scorers", "levenshtein,nosuch"])
    assert result.exit_code == 2 and "unknown scorer 'nosuch'" in result.output


@pytest.mark.slow
def test_simcalc_serve_with_two_worker_processes(serve_process):
    import httpx

    url = serve_process("--scorers", "levenshtein", "--workers", "2")
    answers = {httpx.post(url + "/compare", json=GOOD, timeout=30).json()["score"] for _ in range(6)}
    assert answers == {simcalc.compare(*GOOD.values(), scorer="levenshtein").score}


@pytest.mark.slow
def test_rules_and_ensemble_answer_parallel_cold_requests_like_a_fresh_library_scorer(shared_data, live_heavy_url):
    """Cold caches, 8 requests at a time: the rule engine's parse/sense caches and the neural members
    must give what a separate, sequential scorer gives."""
    import httpx

    from simcalc import registry
    from simcalc.io import read_pairs

    pairs = [(r.sentence1, r.sentence2) for r in read_pairs(shared_data / "lcqmc" / "dev.tsv")][:40]

    def call(job):
        scorer, (a, b) = job
        return httpx.post(live_heavy_url + "/compare", json={"sentence1": a, "sentence2": b, "scorer": scorer},
                          timeout=120).json()

    jobs = [(s, p) for p in pairs for s in ("rules", "ensemble")]
    with ThreadPoolExecutor(8) as pool:
        served = list(pool.map(call, jobs))
    fresh = {s: registry.create(s).score_batch(pairs) for s in ("rules", "ensemble")}
    for (scorer, _), got, want in zip(jobs, served, [r for p in zip(fresh["rules"], fresh["ensemble"]) for r in p]):
        assert got["score"] == pytest.approx(want.score, abs=1e-9), scorer


@pytest.fixture(scope="module")
def live_heavy_url(shared_data):
    settings = ServerSettings(scorers=("rules", "ensemble"), view=False, threads=8, timeout_s=120)
    with running(create_app(settings)) as url:
        yield url


# -- property: whatever a client sends, the answer is a 2xx result or a 4xx JSON error ----------------
_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=80)
            | st.sampled_from(["", " ", "。。", "\x00", "😀", "好" * 70, "levenshtein", "rules", "keep"]))
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=5)
                     | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=20)
_FIELDS = ["sentence1", "sentence2", "scorer", "view", "pairs", "errors", "query", "candidates", "top_k"]
_BODIES = st.one_of(
    _JSON,
    st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=6),
    st.fixed_dictionaries({"sentence1": _SCALARS, "sentence2": _SCALARS}, optional={"scorer": _SCALARS}),
    st.fixed_dictionaries({"pairs": st.lists(st.lists(_SCALARS, max_size=3), max_size=10)},
                          optional={"errors": _SCALARS}),
    st.fixed_dictionaries({"query": _SCALARS}, optional={"candidates": st.lists(_SCALARS, max_size=12),
                                                         "top_k": _SCALARS}),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(["/compare", "/score", "/explain", "/rank"]), body=_BODIES,
       raw=st.one_of(st.none(), st.binary(max_size=60)))
def test_any_body_gets_a_result_or_a_json_4xx(client, route, body, raw):
    if raw is not None:
        response = client.post(route, content=raw, headers={"content-type": "application/json"})
    else:
        response = client.post(route, json=body)
    assert response.status_code < 500 or response.status_code == 504, response.text
    payload = response.json()
    if response.status_code >= 400:
        assert set(payload) == {"error"} and isinstance(payload["error"]["message"], str)
        assert "Traceback" not in response.text
    else:
        assert payload


def test_method_not_allowed_lists_the_allowed_ones(client):
    response = client.get("/score")
    assert error_of(response, 405)["type"] == "method_not_allowed" and response.headers["allow"] == "POST"


def test_a_timed_out_batch_stops_scoring_at_its_deadline():
    """Answered 504, a /score request stops between chunks instead of scoring its other pairs."""
    from simcalc.server import app as server_app

    class Counting(PairwiseScorer):
        name = "counting"
        range = (0.0, 1.0)
        calls = 0

        def _score_pair(self, a, b):
            type(self).calls += 1
            time.sleep(0.02)
            return Result(0.5, self.name)

    settings = ServerSettings(scorers=("levenshtein",), view=False, timeout_s=0.3, max_pairs=1000)
    pool = ScorerPool(settings)
    pool.entries["counting"] = Served("counting", "lexical", "counts (tests)", Counting())
    with TestClient(create_app(settings, pool=pool)) as c:
        response = c.post("/score", json={"pairs": [["好", "好"]] * 640, "scorer": "counting"})
        assert error_of(response, 504)["type"] == "timeout"
        seen, end = -1, time.monotonic() + 10
        while time.monotonic() < end and not (Counting.calls == seen and seen >= server_app.SCORE_CHUNK):
            seen = Counting.calls
            time.sleep(0.5)  # until the count settles (without the deadline check it climbs to 640)
        assert Counting.calls == server_app.SCORE_CHUNK  # the chunk running at the deadline, and no other


def test_tfidf_batches_larger_than_a_chunk_score_like_the_library(shared_data):
    """/score works in chunks; TF-IDF fitted on the request's sentences must be fitted once, on all of them."""
    from simcalc.io import read_pairs

    pairs = [(r.sentence1, r.sentence2) for r in read_pairs(shared_data / "lcqmc" / "dev.tsv")][:150]
    settings = ServerSettings(scorers=("tfidf",), view=False, max_chars=1000)
    with TestClient(create_app(settings)) as c:
        body = c.post("/score", json={"pairs": [list(p) for p in pairs]}).json()
    want = simcalc.get_scorer("tfidf").score_batch(pairs)
    assert [r["score"] for r in body["results"]] == pytest.approx([r.score for r in want], abs=1e-12)


def test_requests_that_time_out_never_run_more_than_threads_scorings_at_once():
    class Gauge(PairwiseScorer):
        name = "gauge"
        range = (0.0, 1.0)
        running = peak = 0
        lock = threading.Lock()

        def _score_pair(self, a, b):
            cls = type(self)
            with cls.lock:
                cls.running += 1
                cls.peak = max(cls.peak, cls.running)
            time.sleep(0.6)
            with cls.lock:
                cls.running -= 1
            return Result(0.5, self.name)

    settings = ServerSettings(scorers=("levenshtein",), view=False, timeout_s=0.2, threads=1)
    pool = ScorerPool(settings)
    pool.entries["gauge"] = Served("gauge", "lexical", "counts threads (tests)", Gauge())
    with TestClient(create_app(settings, pool=pool)) as c:
        with ThreadPoolExecutor(6) as ex:
            codes = list(ex.map(lambda _: c.post("/compare", json={**GOOD, "scorer": "gauge"}).status_code, range(6)))
        time.sleep(1.5)  # let the thread that got the slot finish
    assert codes == [504] * 6
    assert Gauge.peak == 1 and Gauge.running == 0


def test_only_the_allowed_host_names_are_answered():
    settings = ServerSettings(scorers=("levenshtein",), view=False, allowed_hosts=("127.0.0.1", "localhost", "[::1]"))
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as c:
        assert c.post("/compare", json=GOOD).status_code == 200
        assert c.get("/health", headers={"host": "localhost:8000"}).status_code == 200
        assert c.get("/health", headers={"host": "[::1]:8000"}).status_code == 200
        error = error_of(c.get("/health", headers={"host": "rebound.example:8000"}), 400)
        assert error["type"] == "host_not_allowed" and "rebound.example" in error["message"]


def test_a_bad_faq_file_is_refused_before_anything_loads(tmp_path):
    from click.testing import CliRunner

    from simcalc.cli import main

    faq = tmp_path / "faq.txt"
    faq.write_text("花呗怎么开通\n。。。\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--scorers", "levenshtein", "--faq", str(faq)])
    assert result.exit_code == 2 and "line 2" in result.output and "punctuation" in result.output
    faq.write_text("\n\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--scorers", "levenshtein", "--faq", str(faq)])
    assert result.exit_code == 2 and "no FAQ questions" in result.output


def test_max_chars_cannot_exceed_what_scorers_accept():
    from simcalc.text import MAX_CHARS

    with pytest.raises(ValueError, match="max_chars"):
        ServerSettings(max_chars=MAX_CHARS + 1)


def test_health_is_degraded_when_an_ensemble_serves_without_a_member(tmp_path):
    config = tmp_path / "mine.toml"
    config.write_text('[ensemble]\nname = "mine"\ncombination = "mean"\nthreshold = 0.5\n\n'
                      '[members.levenshtein]\nweight = 1.0\n\n[members.cvlstm]\nweight = 1.0\n'
                      'options = {model = "no-such-model-dir"}\n', encoding="utf-8")
    settings = ServerSettings(scorers=("ensemble",), configs=(str(config),), view=False)
    with TestClient(create_app(settings)) as c:
        health = c.get("/health").json()
        assert c.post("/compare", json=GOOD).status_code == 200
    assert health["status"] == "degraded"
    assert "cvlstm" in health["scorers"]["ensemble:mine"]["left_out"]


@pytest.fixture(scope="module")
def view_client():
    """/explain with the drawing on (parse-only: the rule engine is not served here)."""
    with TestClient(create_app(ServerSettings(scorers=("levenshtein",), view=True))) as c:
        yield c


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=st.text(min_size=1, max_size=40) | st.sampled_from(["小明把门打开了", "<script>alert(1)</script>", "😀门",
                                                             "他不是不喜欢你", "a & b \" ' <", "把被把被"]),
       b=st.text(min_size=1, max_size=40))
def test_any_text_gets_a_drawing_or_a_json_4xx(view_client, a, b):
    response = view_client.post("/explain", json={"sentence1": a, "sentence2": b})
    assert response.status_code in (200, 422), response.text
    body = response.json()
    if response.status_code == 200:
        assert body["analysis"]["source"] == "parse-only" and "<svg" in body["html"]
        assert "<script>" not in body["html"]  # user text is escaped in the drawing
    else:
        assert body["error"]["field"] in ("sentence1", "sentence2")
