"""Tests of turntune_nb.cli: the turntune command."""
