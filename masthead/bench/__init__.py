"""Benchmarks: python -m masthead.bench (runner) or one module, e.g. python -m masthead.bench.narration."""
