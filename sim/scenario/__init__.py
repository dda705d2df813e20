"""Layer 4, scenarios: the typed schema, TOML loading and the dotted paths that overrides, sweeps and events name."""
