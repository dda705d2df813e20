"""Layer 7, the classroom dashboard (SolaraViz), imported only by `ammsim viz`."""
