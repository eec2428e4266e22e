"""``python -m assistant.cli ARGS``: run the command line and exit with its code."""

import sys

from assistant.cli.entry import main

if __name__ == "__main__":
    sys.exit(main())
