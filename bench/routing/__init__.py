"""The routing benchmarks: `python -m bench.routing` (queue, stats, flow; docs/benchmarks.md)."""
