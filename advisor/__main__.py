"""``python -m advisor``: the same as the ``advisor`` command."""

from .cli import main

main()
