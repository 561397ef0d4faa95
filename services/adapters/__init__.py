"""The adapter registry and which adapter serves a request: versions, aliases, served names."""
