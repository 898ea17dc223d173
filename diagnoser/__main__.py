"""`python -m diagnoser` runs the command line."""

from diagnoser.cli import main

main()
