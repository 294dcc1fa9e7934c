"""Gates: parsed without eval, checked against the overall figures."""

import pytest

from turntune_nb.analysis.agent_gates import check_gates, parse_gate
from turntune_nb.errors import ConfigError

FIGURES = {"responses": 20, "cut_ins": 1, "response_p90_ms": 1500.0, "response_median_ms": float("nan"),
           "dead_air": 0}


@pytest.mark.parametrize("text, passed, value", [
    ("response_p90_ms<=1500", True, 1500.0),   # equal passes <=
    ("response_p90_ms<1500", False, 1500.0),   # ... and fails <
    ("response_p90_ms >= 1500.0", True, 1500.0),
    ("response_p90_ms>1499.5", True, 1500.0),
    ("cut_ins/responses<=0.05", True, 0.05),   # 1 / 20 = 0.05
    ("cut_ins/responses<0.05", False, 0.05),
    ("dead_air==0", True, 0.0),
    ("cut_ins/dead_air<=1", False, None),      # 1 / 0: not measured, fails
    ("response_median_ms<=800", False, None),  # NaN: not measured, fails
    ("responses>=1e1", True, 20.0),
])
def test_gates(text, passed, value):
    (result,) = check_gates([parse_gate(text, FIGURES)], FIGURES)
    assert result.passed is passed
    assert (result.value != result.value) if value is None else result.value == pytest.approx(value)
    assert result.describe().startswith("PASS" if passed else "FAIL")


@pytest.mark.parametrize("text, says", [
    ("response_p90_ms=>1500", "METRIC OP NUMBER"),
    ("__import__('os')<1", "METRIC OP NUMBER"),
    ("a/b/c<1", "METRIC OP NUMBER"),
    ("response_p90<=1500", "no figure 'response_p90'"),
    ("cut_ins/calls<=0.1", "no figure 'calls'"),
    ("response_p90_ms<=", "METRIC OP NUMBER"),
])
def test_bad_gates_say_what_to_write(text, says):
    with pytest.raises(ConfigError, match=says):
        parse_gate(text, FIGURES)


def test_describe_shows_not_measured():
    (r,) = check_gates([parse_gate("response_median_ms<=800")], FIGURES)
    assert r.describe() == "FAIL response_median_ms<=800 (not measured)"
