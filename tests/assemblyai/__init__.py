"""Tests of turntune_nb.assemblyai."""
