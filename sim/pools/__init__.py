"""Layer 1, contract math: integer mirrors of the deployed pools, stdlib only, behind one Pool interface (`base`)."""
