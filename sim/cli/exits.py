"""Exit codes of the `ammsim` command, shared by every subcommand."""

EXIT_OK, EXIT_INTERNAL, EXIT_USER = 0, 1, 2
"""0 success, 1 internal failure (a bug, or a failed conservation check), 2 user error."""
