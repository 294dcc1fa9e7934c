"""Pass/fail gates on the agent's overall figures, for a voice team's nightly CI.

A gate is ``METRIC OP NUMBER`` or ``METRIC/METRIC OP NUMBER`` with OP one of
``<=``, ``<``, ``>=``, ``>``, ``==``, and METRIC a numeric key of
`AgentReport.overall` (or of its ``setting``). It is parsed by a regular expression,
never evaluated as code. A figure that cannot be measured (no response, a ratio over
zero) fails its gate: a night without responses should not pass silently.

Examples
--------
>>> g = parse_gate("cut_ins/responses<=0.05")
>>> g.metric, g.per, g.op, g.limit
('cut_ins', 'responses', '<=', 0.05)
>>> check_gates([g], {"cut_ins": 1, "responses": 10})[0].passed
False
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ("Gate", "GateResult", "parse_gate", "check_gates", "OPERATORS")

#: The comparisons a gate may make.
OPERATORS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "==": operator.eq}

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_GATE = re.compile(rf"^\s*({_NAME})\s*(?:/\s*({_NAME})\s*)?(<=|>=|==|<|>)\s*({_NUMBER})\s*$")


@dataclass(frozen=True)
class Gate:
    """One parsed gate: ``metric`` (over ``per`` when a ratio) ``op`` ``limit``."""

    text: str
    metric: str
    per: str | None
    op: str
    limit: float


@dataclass(frozen=True)
class GateResult:
    """A gate and what the figures gave: ``value`` (NaN when not measured) and ``passed``."""

    gate: Gate
    value: float
    passed: bool

    def describe(self) -> str:
        """``PASS response_p90_ms<=1500 (1320)`` or ``FAIL ... (not measured)``."""
        value = "not measured" if self.value != self.value else f"{self.value:g}"
        return f"{'PASS' if self.passed else 'FAIL'} {self.gate.text} ({value})"


def parse_gate(text: str, known=None) -> Gate:
    """A gate from its text; `known` (the metric names allowed) checks the names.

    Raises
    ------
    ConfigError
        The text is not ``METRIC[/METRIC] OP NUMBER`` or names an unknown metric
        (the message lists the known ones).
    """
    match = _GATE.match(str(text))
    if not match:
        raise ConfigError(f"--gate {text!r}: write METRIC OP NUMBER or METRIC/METRIC OP NUMBER with OP one of "
                          f"{', '.join(OPERATORS)}, e.g. \"response_p90_ms<=1500\" or \"cut_ins/responses<=0.05\"")
    metric, per, op, number = match.groups()
    if known is not None:
        for name in (metric, per):
            if name is not None and name not in known:
                raise ConfigError(f"--gate {text!r}: no figure {name!r}; known: {', '.join(sorted(known))}")
    return Gate(text=str(text).strip().replace(" ", ""), metric=metric, per=per, op=op, limit=float(number))


def _number(figures: dict, name: str) -> float:
    value = figures.get(name)
    try:
        return float("nan") if value is None else float(value)
    except (TypeError, ValueError):
        return float("nan")


def check_gates(gates, figures: dict) -> list:
    """Each gate against `figures` (the overall figures, plus the setting's): one `GateResult` each."""
    out = []
    for gate in gates:
        value = _number(figures, gate.metric)
        if gate.per is not None:
            den = _number(figures, gate.per)
            value = value / den if den == den and den != 0 else float("nan")
        passed = value == value and OPERATORS[gate.op](value, gate.limit)
        out.append(GateResult(gate, value, bool(passed)))
    return out
