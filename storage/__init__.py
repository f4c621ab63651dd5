"""Persistence: the schema, database sessions and migrations. Imports nothing from `bot`."""
