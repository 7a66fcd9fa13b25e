"""``python -m sim.cli`` runs the ``asocia`` command line."""

import sys

from .commands import main

sys.exit(main())
