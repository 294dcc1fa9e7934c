"""Tests of turntune_nb.live."""
