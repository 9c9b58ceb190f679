"""The portal benchmark: `python -m bench.portal` (docs/benchmarks.md)."""
