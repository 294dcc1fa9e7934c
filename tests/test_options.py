"""options_from_kwargs: the one way deprecated keyword arguments become an options object."""

from __future__ import annotations

import warnings
from dataclasses import FrozenInstanceError, dataclass

import pytest

from turntune_nb.options import options_from_kwargs


@dataclass(frozen=True)
class Limits:
    concurrency: int = 4
    retries: int = 2

    def __post_init__(self):
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {self.concurrency}")


def test_no_keywords_gives_the_options_or_the_defaults_without_a_warning():
    given = Limits(concurrency=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert options_from_kwargs(Limits, given, {}, where="run") is given
        assert options_from_kwargs(Limits, None, {}, where="run") == Limits(4, 2)


def test_old_keywords_lay_over_the_options_and_warn_once_naming_the_new_spelling():
    given = Limits(retries=9)
    with pytest.warns(DeprecationWarning) as caught:
        got = options_from_kwargs(Limits, given, {"concurrency": 1, "retries": 3}, where="run")
    assert got == Limits(concurrency=1, retries=3)
    assert given == Limits(retries=9)  # the caller's object is untouched
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert msg.startswith("run(): the keyword arguments concurrency=, retries= are deprecated")
    assert "options=Limits(concurrency=...)" in msg


def test_the_warning_points_at_the_caller_of_the_deprecated_function():
    def run(options=None, **kwargs):
        return options_from_kwargs(Limits, options, kwargs, where="run")

    with pytest.warns(DeprecationWarning) as caught:
        run(concurrency=2)  # this line
    assert caught[0].filename == __file__


def test_values_are_validated_by_the_dataclass():
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="concurrency must be >= 1, got 0"):
        options_from_kwargs(Limits, None, {"concurrency": 0}, where="run")


def test_an_unknown_keyword_is_a_type_error_and_a_wrong_options_type_too():
    with pytest.raises(TypeError, match="run\\(\\) got an unexpected keyword argument 'concurency'"):
        options_from_kwargs(Limits, None, {"concurency": 2}, where="run")
    with pytest.raises(TypeError, match="options= takes a Limits, not dict"):
        options_from_kwargs(Limits, {"concurrency": 2}, {}, where="run")


def test_options_objects_stay_frozen():
    with pytest.raises(FrozenInstanceError):
        Limits().concurrency = 3  # type: ignore[misc]


def test_the_message_names_the_parameter_that_takes_the_options_object():
    with pytest.warns(DeprecationWarning) as caught:
        options_from_kwargs(Limits, None, {"retries": 1}, where="Session", param="limits")
    assert "pass limits=Limits(retries=...) instead" in str(caught[0].message)
    with pytest.raises(TypeError, match="Session\\(\\): limits= takes a Limits, not int"):
        options_from_kwargs(Limits, 3, {}, where="Session", param="limits")
