"""Cross-cutting helpers every layer uses: safe text, tables, files, notes, palette, executors, words.

Nothing here imports another netcover layer (only :mod:`netcover.errors`)."""

__all__: list[str] = []
