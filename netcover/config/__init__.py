"""Settings: every section of a scenario file as frozen dataclasses, and the option lists they allow."""

__all__: list[str] = []
