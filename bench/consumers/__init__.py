"""Consumers against a bare consume-insert-commit loop (issue 14)."""
