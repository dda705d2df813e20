"""Layer 7, the `ammsim` command: `main` in `sim.cli.main`, one module per subcommand beyond
run/validate/list/schema."""

from sim.cli.main import main

__all__ = ["main"]
