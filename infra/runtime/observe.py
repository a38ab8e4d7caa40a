"""Who is calling AWS right now, and a way to watch every function invocation.

The runtime names the caller of every AWS call it makes or lets a handler make: a function's logical
id while its handler runs, "<function> event source" while the SQS poller receives and settles that
function's batches (what Lambda's own pollers do, and bill to the account), and "runtime" otherwise
(provisioning, queue depths, downloads: work a deployment does not do). Invocation listeners wrap
each handler call; the load benchmark uses them to time functions and measure their memory.
The caller is process-wide, not per thread: a handler's worker threads (boto3's managed transfers)
call on its behalf, and the runtime invokes one handler at a time.
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
