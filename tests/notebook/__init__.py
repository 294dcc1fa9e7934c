"""Tests of turntune_nb.notebook."""
