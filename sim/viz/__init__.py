"""Layer 7, the classroom dashboard (Solara), imported only by `ammsim viz`."""
