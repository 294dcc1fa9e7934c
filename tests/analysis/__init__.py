"""Tests of turntune_nb.analysis."""
