"""What people open after a run: the results folder read back, maps, the report and the export."""

__all__: list[str] = []
