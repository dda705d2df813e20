"""Layer 4, scenarios: the typed schema, TOML loading, and the one module that knows dotted paths.

`scenario` (load_scenario: the front door) reads `files`, applies `--set` overrides through
`paths`, and validates against `schema` (with the `events` and `sweep_spec` sections), reporting
pydantic's errors through `problems` and cross-reference checks from `references`. `tunables`
gives the fields a live dashboard offers.
"""
