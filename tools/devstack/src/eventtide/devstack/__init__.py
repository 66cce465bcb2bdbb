"""Local infrastructure for development and tests: real Kafka, PostgreSQL and Kubernetes.

Nothing here is faked. Each piece is built once into a cache (``EVENTTIDE_CACHE``,
default ``~/.cache/eventtide``) from the package registries, then started on free
loopback ports and stopped afterwards.
"""
