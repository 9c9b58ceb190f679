"""The timers benchmark: `python -m bench.timers` (docs/benchmarks.md)."""
