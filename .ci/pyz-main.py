# The first code remote-help.pyz runs (its __main__.py; .ci/build-pyz puts it there).
#
# An interpreter too old for remote-help must get one plain sentence, not a traceback: so
# this file is written for every Python that can run a zip file (2.7 and 3.x alike: no
# f-strings, no annotations, nothing from __future__), and checks the version before it
# imports anything of ours, whose syntax (match, X | Y) only 3.10 and newer can read.
import sys

if sys.version_info < (3, 10):
    sys.stderr.write("remote-help needs Python 3.10 or newer; this is Python %d.%d.\n"
                     % (sys.version_info[0], sys.version_info[1]))
    sys.exit(1)

from remote_help.cli import main  # noqa: E402 (only once the version is known to fit)

sys.exit(main())  # zipapp's own -m entry point would drop the exit status
