"""Layer 2, protocols beside the pools: lending, liquid staking, reward emissions and token launches."""
