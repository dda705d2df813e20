"""Layer 2, the market as agents see it: reference prices, the market view, routing, and pool specs."""
