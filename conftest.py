"""Root pytest configuration: the doctests run from the repository root."""

collect_ignore = ["turntune_nb/__main__.py", "scripts", "benchmarks", "samples"]
