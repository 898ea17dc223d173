"""`python -m diagnoser` runs the command line."""

from diagnoser.entry import main

main()
