"""Fixtures for the detection tests: the untrained classifier (`model_files`) and `warm_cache`
come from tests/conftest.py, one per session, so that a test that builds a detector converts
and loads nothing."""
