"""``python -m netcover``: the ``netcover`` command."""

from netcover.app.cli import main

main()
