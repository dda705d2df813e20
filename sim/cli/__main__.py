"""`python -m sim.cli` is the `ammsim` command."""

import sys

from sim.cli.main import main

sys.exit(main())
