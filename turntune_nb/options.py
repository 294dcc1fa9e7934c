"""Options objects: the settings of one concern travel together.

A function that would otherwise take a dozen keyword arguments takes one frozen,
validated dataclass per concern instead (as httpx's ``Timeout`` and ``Limits`` do):
``replay(paths, configs, options=ReplayOptions(concurrency=2))``. The dataclass
checks its values once, in ``__post_init__``, so every caller gets the same errors.

During the deprecation period (0.x), the old keyword arguments still work: the
function hands them to `options_from_kwargs`, which builds the options object from
them and warns once per call with a `DeprecationWarning` naming the new spelling.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Limits:
...     concurrency: int = 4
...     retries: int = 2
>>> options_from_kwargs(Limits, None, {}, where="run")
Limits(concurrency=4, retries=2)
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     options_from_kwargs(Limits, Limits(retries=5), {"concurrency": 1}, where="run")
Limits(concurrency=1, retries=5)
>>> caught[0].category.__name__
'DeprecationWarning'
>>> for part in str(caught[0].message).split("; "):
...     print(part)
run(): the keyword argument concurrency= is deprecated
pass options=Limits(concurrency=...) instead (removed in 0.3).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import fields, replace
from typing import Any, TypeVar

__all__ = ("options_from_kwargs", "is_number", "is_whole")

T = TypeVar("T")


def options_from_kwargs(cls: type[T], options: T | None, kwargs: dict[str, Any], *, where: str,
                        param: str = "options", stacklevel: int = 3) -> T:
    """The options object a call means: `options` (or ``cls()``) with any deprecated
    keyword arguments laid over it.

    Parameters
    ----------
    cls : type
        The options dataclass (frozen; validates itself in ``__post_init__``).
    options : cls or None
        What the caller passed as ``options=``; None means the defaults.
    kwargs : dict
        The old-style keyword arguments the caller passed (``**kwargs`` of the
        function). Each must name a field of `cls`.
    where : str
        The function's name, for the messages.
    param : str
        The name of the parameter that takes `cls` (``options`` unless the function
        takes several options objects), for the messages.
    stacklevel : int
        Passed to `warnings.warn` (3: the caller of the function that calls this).

    Returns
    -------
    cls
        A new options object; `options` itself is never changed.

    Raises
    ------
    TypeError
        A keyword argument that is no field of `cls` (as Python says for any function).
    """
    if options is not None and not isinstance(options, cls):
        raise TypeError(f"{where}(): {param}= takes a {cls.__name__}, not {type(options).__name__}")
    base = options if options is not None else cls()
    if not kwargs:
        return base
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise TypeError(f"{where}() got an unexpected keyword argument {unknown[0]!r}")
    names = ", ".join(f"{k}=" for k in sorted(kwargs))
    first = sorted(kwargs)[0]
    warnings.warn(f"{where}(): the keyword argument{'s' if len(kwargs) > 1 else ''} {names} "
                  f"{'are' if len(kwargs) > 1 else 'is'} deprecated; pass "
                  f"{param}={cls.__name__}({first}=...) instead (removed in 0.3).",
                  DeprecationWarning, stacklevel=stacklevel)
    return replace(base, **kwargs)


# The checks the options objects' ``__post_init__`` share.


def is_number(value, *, allow_zero: bool = False) -> bool:
    """A finite real number, not a bool, that is > 0 (or >= 0 with `allow_zero`).

    >>> is_number(0.5), is_number(0), is_number(0, allow_zero=True), is_number(True), is_number(float("inf"))
    (True, False, True, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    return value >= 0 if allow_zero else value > 0


def is_whole(value, least: int) -> bool:
    """An int, not a bool, that is at least `least`.

    >>> is_whole(3, 1), is_whole(0, 1), is_whole(2.0, 1), is_whole(True, 0)
    (True, False, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool) and value >= least
