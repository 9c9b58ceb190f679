"""The chaos benchmark: `python -m bench.chaos` (docs/benchmarks.md)."""
