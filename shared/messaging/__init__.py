"""Transactional outbox, its relay, and idempotent event consumption."""
