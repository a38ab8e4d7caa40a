"""Who is calling AWS right now (a function, its event source, or the runtime), and invocation listeners.

The load benchmark uses both to tell each function's calls, time and memory apart
(docs/local-runtime.md, "Who calls AWS").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

RUNTIME = "runtime"
_callers: list[str] = [RUNTIME]

InvocationListener = Callable[[str], AbstractContextManager[object]]
_listeners: list[InvocationListener] = []


def current_caller() -> str:
    return _callers[-1]


def event_source_of(function_logical_id: str) -> str:
    return f"{function_logical_id} event source"


@contextmanager
def calling_as(name: str) -> Iterator[None]:
    _callers.append(name)
    try:
        yield
    finally:
        _callers.pop()


@contextmanager
def invocation(function_logical_id: str) -> Iterator[None]:
    """One handler call: the caller is the function, and every listener wraps it."""
    with calling_as(function_logical_id), ExitStack() as listening:
        for listener in list(_listeners):
            listening.enter_context(listener(function_logical_id))
        yield


@contextmanager
def listening(listener: InvocationListener) -> Iterator[None]:
    """Call `listener(function_logical_id)` around every invocation while this is open."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
