"""``python -m netcover.app.cli``: the ``netcover`` command."""

from netcover.app.cli import main

main()
