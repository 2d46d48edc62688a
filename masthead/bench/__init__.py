"""`python -m masthead.bench [section ...]`: measured figures for docs/benchmarks.md.

Each section is a module here exposing `run() -> str` (markdown); see common.py.
"""
