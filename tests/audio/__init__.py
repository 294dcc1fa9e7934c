"""Tests of turntune_nb.audio."""
