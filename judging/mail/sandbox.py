"""The sandbox organizer-edited mail templates are rendered in, with bounded work and output.

Jinja's ``SandboxedEnvironment`` keeps a template away from Python's internals but not from
burning CPU or memory: ``{% for a in range(100000) %}{% for b in range(100000) %}`` or
``{{ name * 2000000 }}`` took minutes in one preview. ``BoundedSandbox`` adds:

- a step budget (``STEP_BUDGET``): every loop iteration, call and filter counts; past it, or past
  ``RENDER_SECONDS`` of work, rendering stops;
- size limits: a rendered mail stops at ``OUTPUT_MAX`` characters; a value that would exceed it is
  refused before it is built (``*``, ``+``, ``**``, ``%``, ``join``, ``replace``, widths such as
  ``center(10**9)`` or ``"{:0999999}"``);
- only a list of cheap filters, and ``range`` as the only global (no ``namespace``, ``cycler``,
  ``lipsum``).

Any refusal is a ``RenderLimit`` (a Jinja ``SecurityError``): the caller treats it as a
template that cannot be rendered.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

OUTPUT_MAX = 100_000  # characters of a rendered subject or body
STEP_BUDGET = 200_000  # loop iterations, calls and filters in one rendering
RENDER_SECONDS = 2.0
BUDGET_NAME = "budgeted_iteration__"
CHEAP_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "e",
    "escape",
    "first",
    "float",
    "int",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "max",
    "min",
    "replace",
    "reverse",
    "round",
    "sort",
    "string",
    "striptags",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "wordcount",
)
WIDE_FORMAT = re.compile(r"\d{6,}")  # a width or precision of 100,000 or more in a format string


class RenderLimit(SecurityError):
    """The template does too much work or writes too much."""


def _size(value: Any) -> int:
    """How much a value weighs for the limits: its length, or an integer's magnitude."""
    if isinstance(value, str | list | tuple | dict):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value)
    return 1


def _check_arguments(args: Iterable[Any]) -> None:
    if any(_size(arg) > OUTPUT_MAX for arg in args):
        raise RenderLimit("argument too large")


def _check_result(value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict) and len(value) > OUTPUT_MAX:
        raise RenderLimit("value too large")
    return value


def _joined_size(items: Any, separator: Any) -> int:
    if not isinstance(items, list | tuple | str):
        return 0
    texts = sum(len(item) if isinstance(item, str) else 20 for item in items)
    return texts + len(items) * len(str(separator))


def _check_amplifier(name: str, value: Any, args: tuple[Any, ...]) -> None:
    """Refuse ``join`` and ``replace`` whose result would exceed ``OUTPUT_MAX`` before building it."""
    if name == "join":
        size = _joined_size(value, args[0] if args else "")
    elif name == "replace" and isinstance(value, str) and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        size = len(value) + (len(value) + 1 if not old else value.count(old)) * len(new)
    else:
        return
    if size > OUTPUT_MAX:
        raise RenderLimit(f"{name} result too large")


class BoundedSandbox(SandboxedEnvironment):
    """A sandbox with a step budget, a deadline and size limits (see the module)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(autoescape=False, keep_trailing_newline=True)
        self.steps = 0
        self.deadline = time.monotonic() + RENDER_SECONDS
        self.filters = {name: self._guarded(name, self.filters[name]) for name in CHEAP_FILTERS}
        self.globals = {"range": self._range, BUDGET_NAME: self._budgeted}

    def tick(self) -> None:
        self.steps += 1
        if self.steps > STEP_BUDGET or (self.steps % 1000 == 0 and time.monotonic() > self.deadline):
            raise RenderLimit("the template does too much work")

    # loops: every ``for`` iterates through _budgeted ------------------------------------------------

    def _generate(self, source: nodes.Template, *args: Any, **kwargs: Any) -> str:
        for loop in source.find_all(nodes.For):
            loop.iter = nodes.Call(nodes.Name(BUDGET_NAME, "load"), [loop.iter], [], None, None)
        return super()._generate(source, *args, **kwargs)

    def _budgeted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.tick()
            yield item

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        if len(numbers) > STEP_BUDGET:
            raise RenderLimit("range too large")
        return numbers

    # calls, filters and operators -----------------------------------------------------------------

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # (Jinja's names)
        __self.tick()
        _check_arguments([*args, *kwargs.values()])
        if getattr(__obj, "__name__", "") in ("join", "replace") and isinstance(
            getattr(__obj, "__self__", None), str
        ):
            owner = __obj.__self__
            if __obj.__name__ == "join":
                _check_amplifier("join", args[0] if args else [], (owner,))
            else:
                _check_amplifier("replace", owner, args)
        return _check_result(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Any:
        """``"{:0999999999}".format`` is refused when it is looked up, before it can be called."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None and WIDE_FORMAT.search(str(value.__self__)):
            raise RenderLimit("format width too large")
        return wrapped

    def _guarded(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.tick()
            plain = [a for a in args if not hasattr(a, "environment")]  # the context / eval context
            _check_arguments([*plain, *kwargs.values()])
            if plain:
                _check_amplifier(name, plain[0], tuple(plain[1:]) + tuple(kwargs.values()))
            return _check_result(function(*args, **kwargs))

        return guarded

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.tick()
        if operator == "*" and _size(left) * _size(right) > OUTPUT_MAX and _is_sequence(left, right):
            raise RenderLimit("repetition too large")
        if operator == "**" and _power_too_large(left, right):
            raise RenderLimit("power too large")
        if operator == "%" and isinstance(left, str):
            values = right if isinstance(right, tuple) else (right,)
            if WIDE_FORMAT.search(left) or any(_size(v) > OUTPUT_MAX for v in values if isinstance(v, int)):
                raise RenderLimit("format width too large")
        return _check_result(super().call_binop(context, operator, left, right))


def _is_sequence(left: Any, right: Any) -> bool:
    return isinstance(left, str | list | tuple) or isinstance(right, str | list | tuple)


def _power_too_large(base: Any, exponent: Any) -> bool:
    if not isinstance(base, int | float) or not isinstance(exponent, int | float):
        return False
    bits = max(abs(int(base)), 2).bit_length()
    return abs(exponent) > 10_000 or bits * abs(exponent) > 100_000


def render_bounded(env: BoundedSandbox, source: str, context: Mapping[str, Any]) -> str:
    """``source`` rendered in ``env``, streamed and stopped past ``OUTPUT_MAX`` characters."""
    parts: list[str] = []
    total = 0
    for chunk in env.from_string(source).generate(**context):
        total += len(chunk)
        if total > OUTPUT_MAX:
            raise RenderLimit("the rendered text is too long")
        parts.append(chunk)
    return "".join(parts)
