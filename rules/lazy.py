"""A Result's ``details`` whose explanation is built on first read.

Why: a score, the ensemble's stack and file scoring read ``features`` and ``polarity`` only, yet the full
explanation (every word pair, coefficient and reason, the formula in words) cost as much as the score.
:class:`LazyDetails` is a real ``dict`` with the ``"explanation"`` key in its place from the start; its
value is built the first time anything reads it — ``details["explanation"]``, ``.get``, ``.items()``,
``.values()``, ``dict(details)``, ``{**details}``, ``json.dumps``, ``==``, copying and pickling (which give
a plain dict) — and kept. Reading the other keys, ``in``, ``len`` and the keys themselves build nothing.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterator

_lock = threading.Lock()


class _Pending:
    """The value in the dict's storage until the explanation is built (never returned by a read)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<explanation not built yet>"


_PENDING = _Pending()


class LazyDetails(dict):
    """``LazyDetails(key, build, values)``: ``values`` plus ``key``, whose value ``build()`` makes once."""

    __slots__ = ("_key", "_build")

    def __init__(self, key: str, build: Callable[[], Any], values: dict[str, Any]) -> None:
        super().__init__({key: _PENDING, **values})
        self._key = key
        self._build: Callable[[], Any] | None = build

    def _fill(self) -> None:
        if self._build is None:
            return
        with _lock:
            build = self._build
            if build is not None:
                dict.__setitem__(self, self._key, build())
                self._build = None

    # -- reads that may reach the lazy value --------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        if key == self._key:
            self._fill()
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        if key == self._key:
            self._fill()
        return dict.get(self, key, default)

    def __iter__(self) -> Iterator[str]:
        # defined so that dict(d), {**d} and update() read values through __getitem__, not the storage
        return dict.__iter__(self)

    def items(self):  # type: ignore[override]
        self._fill()
        return dict.items(self)

    def values(self):  # type: ignore[override]
        self._fill()
        return dict.values(self)

    def __eq__(self, other: object) -> bool:
        self._fill()
        if isinstance(other, LazyDetails):
            other._fill()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        self._fill()
        return dict.__repr__(self)

    def __or__(self, other: Any) -> dict:
        self._fill()
        return dict(dict.items(self)) | other

    def __ror__(self, other: Any) -> dict:
        self._fill()
        return other | dict(dict.items(self))

    def copy(self) -> dict:  # type: ignore[override]
        self._fill()
        return dict(dict.items(self))

    def __reduce_ex__(self, protocol: Any) -> tuple:
        self._fill()
        return dict, (dict(dict.items(self)),)

    # -- writes: the lazy value is built first, so a write never races the build ---------------------
    def __setitem__(self, key: str, value: Any) -> None:
        if key == self._key:
            self._build = None
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self._fill()
        dict.__delitem__(self, key)

    def pop(self, *args: Any) -> Any:  # type: ignore[override]
        self._fill()
        return dict.pop(self, *args)

    def popitem(self) -> tuple:
        self._fill()
        return dict.popitem(self)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._fill()
        return dict.setdefault(self, key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._fill()
        dict.update(self, *args, **kwargs)

    def __ior__(self, other: Any) -> "LazyDetails":  # type: ignore[override,misc]
        self._fill()
        dict.update(self, other)
        return self

    def clear(self) -> None:
        self._build = None
        dict.clear(self)
