"""Subcommands of `ammsim` beyond run/validate/list/schema, one module each (see `sim.cli.PLUGINS`)."""
