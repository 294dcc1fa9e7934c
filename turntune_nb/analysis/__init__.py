"""The analysis wing: pure turn-taking analysis, from transcripts to a recommended setting.

Imports nothing that does network, audio decoding, widgets or plotting (checked by
the import contracts in ``pyproject.toml``), so it can be read, tested and reused
alone. Data flows down this list:

- `columns`: the DataFrame column names every table uses.
- `model`: `Word`, `Utterance`, `Transcript` (frozen, validated) and their frames.
- `readers`: AssemblyAI JSON, RTTM and CSV in, transcripts out.
- `transitions`: who follows whom: gaps, overlaps, pauses and backchannels between segments.
- `turns`: pauses inside turns and turn ends, read off the same links.
- `gaps`: the guide's gap statistics, and count, mean and quantiles of every table per file.
- `presets`: `StreamingConfig` and the guide's presets.
- `surface`: AssemblyAI's streaming surface (models, `mode` presets, the diarisation profile, the clamp).
- `results`: `AnalysisResult`, all of the above for a folder.
- `summaries`: the summary JSON a result saves, its tables beside it, and reading it back.
- `metrics`: what an endpointing setting is judged by (`EndpointMetrics`).
- `counting`: the holds and turn ends sorted once, counted at any vector of thresholds.
- `simulate`: `Simulator`, AssemblyAI's rules replayed over pauses and turn ends.
- `alignment`: measured endpointing, every fire of a real endpointer classified against the truth
  (at a turn end, in a hold, in speech: what `turntune_nb.replay` reports beside the simulator).
- `turnbench`: Sesame TurnBench's terms for a replay: its submission file, end-of-turn recall,
  false-positive rate and median latency at its false-positive budget.
- `sides`: one side of a call (speakers, channels, roles) for every figure.
- `frontier`: the trade-off curve and eot-bench's operating points.
- `agent`: a deployed voice agent's calls: responses, cut-ins, barge-ins, dead air, talk and overlap
  per party (`agent_report`); `agent_setting`: its setting simulated on the user side beside them;
  `agent_gates`: pass/fail gates on those figures, parsed without eval.
- `eotbench`: eot-bench's four cells, and the published eot-bench / TurnBench rows.
- `recommend`: the data-driven setting beside the guide's preset.
- `recommend_options`: `RecommendOptions`, how the recommendation chooses (model and preset, target, grid, side).
- `preset_choice`: which preset a recommended setting starts from, and what it sends beyond it.
- `export`: the setting for AssemblyAI and its peers.
- `display`: readable column labels and value formats for every display and export.
- `speakers`: the figures per speaker (one row per file and speaker) and per role across files.
- `tables`: the tables for people, one per concept, and their CSV / Excel files (0600).
- `markup`: the HTML pieces every display is built of, and a setting's own display (below `presets`,
  which shows itself with it).
- `html`: the notebook's display (``_repr_html_``) of results and recommendations.

The public names are re-exported from `turntune_nb`.
"""
