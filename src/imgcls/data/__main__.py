"""``python -m imgcls.data``: the data command line (fetch, verify, list), wherever the package
is installed."""

import sys

from imgcls.data.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="python -m imgcls.data"))
