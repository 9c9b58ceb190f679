"""Benchmarks: `make bench` runs `python -m bench.intake` (see docs/benchmarks.md)."""
