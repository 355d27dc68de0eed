"""Tests of atlas.sharing."""
