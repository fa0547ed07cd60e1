"""``python -m soloops.cli``: how ``soloops run`` starts its children."""

import sys

from soloops.cli import main

sys.exit(main())
