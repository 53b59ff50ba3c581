"""`python3 -m remote_help` runs the command line."""

from remote_help.cli import main

raise SystemExit(main())
