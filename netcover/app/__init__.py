"""The application: the pipeline that runs every step, the command line and the bundled sample."""

__all__: list[str] = []
