"""The intake benchmark: `python -m bench.intake` (docs/benchmarks.md)."""
