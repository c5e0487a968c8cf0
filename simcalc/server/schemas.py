"""Request and response bodies of the HTTP API (pydantic models; they also make the OpenAPI docs).

Types are strict: a number where text belongs is a 422 naming the field, never silently turned into
text. Limits that depend on the server's settings (text length, pairs per batch) are checked in the
routes, so they stay configurable.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

EXAMPLE = ("小明把门打开了", "门被小明打开了")

#: A sentence: a JSON string of at least one character (what else it needs, such as a letter, digit or
#: symbol, and the server's length limit, is checked by the routes and answered 422 naming the field).
Text = Annotated[StrictStr, Field(min_length=1)]
#: A scorer name from GET /scorers (names are short; a long one is not echoed back at length).
ScorerName = Annotated[StrictStr, Field(max_length=100)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CompareRequest(_Request):
    sentence1: Text = Field(examples=[EXAMPLE[0]])
    sentence2: Text = Field(examples=[EXAMPLE[1]])
    scorer: ScorerName | None = Field(None, description="a name from GET /scorers; default: the server's default")


class ExplainRequest(CompareRequest):
    view: StrictBool = Field(True, description="also return the parse analysis and an HTML rendering of it")


class ScoreRequest(_Request):
    pairs: list[tuple[Text, Text]] = Field(examples=[[list(EXAMPLE), ["怎么开通花呗", "花呗如何开通"]]])
    scorer: ScorerName | None = None
    errors: Literal["raise", "keep"] = Field(
        "raise", description="raise: a bad pair fails the request (422 naming it); keep: it gets an error entry")


class RankRequest(_Request):
    query: Text = Field(examples=["花呗怎么开通"])
    candidates: list[Text] | None = Field(
        None, description="sentences to rank; omitted: the FAQ the server was started with (--faq)")
    top_k: StrictInt = Field(5, ge=1)
    scorer: ScorerName | None = None


class ErrorBody(BaseModel):
    type: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ResultBody(BaseModel):
    """A :class:`simcalc.Result` as JSON (``details`` differ per scorer)."""

    model_config = ConfigDict(extra="allow")
    score: float
    scorer: str
    label: int | None = None
    threshold: float | None = None
    verdict: Literal["similar", "not similar", "opposite"] | None = Field(
        None, description="opposite: a negative score (same topic, contradicting polarity); else the label in words")
    details: dict[str, Any] | None = None
    warnings: list[str] | None = None


class FailedBody(BaseModel):
    index: int
    error: str
    score: None = None


class ScoreResponse(BaseModel):
    scorer: str
    results: list[ResultBody | FailedBody]


class ExplainResponse(BaseModel):
    result: ResultBody
    analysis: dict[str, Any] | None = Field(None, description="trees, components, aligned words, coefficients")
    html: str | None = Field(None, description="the analysis drawn (SVG trees + tables), as the page shows it")


class MatchBody(BaseModel):
    rank: int
    index: int
    text: str
    score: float
    label: int | None = None


class RankResponse(BaseModel):
    scorer: str
    matches: list[MatchBody]
