"""Back to the setting: what the agent's endpointing setting predicts on the user side of its calls.

The user side's holds (its own pauses inside turns) and turn ends, read off the same
calls, go through `Simulator` for the setting the agent runs. Its predicted cut-off
rate and latency stand beside what the calls measured (cut-ins among responses, the
response gap): the endpointer's latency is the part of the response gap the setting
explains; the rest is the agent's own time (its thinking, speech synthesis, transport).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from . import columns as C

__all__ = ("setting_beside", "explained_share")


def explained_share(latency_ms: float, response_ms: float) -> float:
    """The share of the measured response gap the endpointer's latency explains, 0..1 (NaN when
    the gap is not positive or either is unknown).

    Examples
    --------
    >>> explained_share(600.0, 1500.0), explained_share(2000.0, 1500.0)
    (0.4, 1.0)
    >>> explained_share(600.0, -20.0)
    nan
    """
    if not (latency_ms == latency_ms and response_ms == response_ms) or response_ms <= 0:
        return float("nan")
    return float(min(1.0, max(0.0, latency_ms / response_ms)))


def _tables(source, utterances: pd.DataFrame, merge_ms: int):
    """The pause and turn-end tables of the calls: the result's, else computed from the utterances."""
    pauses, turn_ends = getattr(source, "pauses", None), getattr(source, "turn_ends", None)
    if isinstance(pauses, pd.DataFrame) and isinstance(turn_ends, pd.DataFrame):
        return pauses, turn_ends
    from .turns import compute_pauses, compute_turn_ends

    utt = utterances[utterances[C.END_MS].to_numpy(np.int64) > utterances[C.START_MS].to_numpy(np.int64)]
    utt = utt.reset_index(drop=True)
    return compute_pauses(utt, None, merge_ms), compute_turn_ends(utt, None, merge_ms)


def setting_beside(source, utterances: pd.DataFrame, agent: tuple, overall: dict, config=None,
                   model: str | None = None, merge_ms: int = 10):
    """The setting's predictions on the user side, beside the measured figures.

    Returns
    -------
    (setting, per_file, note)
        ``setting``: the setting in force (model, preset, min/max_turn_silence),
        ``predicted_cutoff_rate``, ``predicted_latency_p50_ms`` / ``_p90_ms``, the user
        side's ``holds`` and ``turn_ends``, ``measured_cut_in_rate``,
        ``measured_response_median_ms``, ``endpointing_share`` (`explained_share` of the
        medians) and ``agent_own_ms`` (the measured median minus the predicted one).
        ``per_file``: file, predicted_cutoff_rate, predicted_latency_p50_ms. Both None,
        with a `note` saying why, when the user side has no hold and no turn end.
    """
    from .simulate import Simulator

    pauses, turn_ends = _tables(source, utterances, merge_ms)
    present = set(pauses[C.SPEAKER].astype(object).astype(str)) | set(turn_ends[C.SPEAKER].astype(object).astype(str))
    users = sorted(present - set(agent))
    if not users:
        return None, None, "no user-side pause or turn end: the setting's prediction is left out"
    try:
        sim = Simulator(pauses, turn_ends).for_speakers(speakers=users)
    except InputError as err:
        return None, None, f"the setting's prediction is left out: {err}"
    m = sim.evaluate(config, model=model)
    measured = overall.get("response_median_ms", float("nan"))
    responses = overall.get("responses", 0)
    setting = {
        "model": m.model, "preset": m.preset, "min_turn_silence": m.min_turn_silence,
        "max_turn_silence": m.max_turn_silence, "bracket": bool(m.bracket),
        "holds": int(m.holds), "turn_ends": int(m.turn_ends),
        "predicted_cutoff_rate": float(m.cutoff_rate),
        "predicted_latency_p50_ms": float(m.latency_p50_ms), "predicted_latency_p90_ms": float(m.latency_p90_ms),
        "measured_cut_in_rate": overall["cut_ins"] / responses if responses else float("nan"),
        "measured_response_median_ms": float(measured),
        "endpointing_share": explained_share(float(m.latency_p50_ms), float(measured)),
        "agent_own_ms": float(measured) - float(m.latency_p50_ms),
    }
    note = None
    if setting["agent_own_ms"] < 0:
        note = (f"the agent answers sooner (median {measured:,.0f} ms) than this setting's endpointer would end the "
                f"user's turn ({m.latency_p50_ms:,.0f} ms): it does not run this setting (give it with --config), "
                "or it starts speaking before the end of turn is final")
    per = m.per_file
    per_file = pd.DataFrame({"file": per[C.FILE].astype(object).astype(str).to_numpy(object),
                             "predicted_cutoff_rate": per["cutoff_rate"].to_numpy(float),
                             "predicted_latency_p50_ms": per["latency_p50_ms"].to_numpy(float)})
    return setting, per_file, note
