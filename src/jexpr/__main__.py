"""``python -m jexpr``: the command line of :mod:`jexpr.cli`."""

import sys

from jexpr.cli import main

sys.exit(main())
