"""The start-up benchmark: `python -m bench.startup` (docs/benchmarks.md)."""
