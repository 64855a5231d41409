"""`python -m socialcredit` is the `socialcredit` command."""

from socialcredit.cli import main

main()
