"""Tests of atlas.privacy (a package, so module names never collide with other test folders)."""
