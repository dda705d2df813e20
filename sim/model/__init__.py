"""Layer 5, the Mesa model: one step is one block; the books, the event log, scheduled events and invariants."""
