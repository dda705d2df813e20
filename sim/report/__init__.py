"""Layer 6, what a run says: summary, agents table, figures, report.html, the schema reference and calculators."""
