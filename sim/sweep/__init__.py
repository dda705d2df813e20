"""Layer 6, sweeps: many runs of one scenario over a grid or a sample of fields, with replicate seeds."""
