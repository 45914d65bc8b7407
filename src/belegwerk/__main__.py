"""Allow ``python -m belegwerk``."""

from belegwerk.cli import main

main()
