"""Layer 6, one run (named `runs` because `sim.run` is the public function): the run() entry point, its crash-safe folder, and the benchmark."""
