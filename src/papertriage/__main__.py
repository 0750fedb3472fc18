"""`python -m papertriage`."""

from papertriage.cli import run

run()
