"""Layer 2, the chain: the ledger that conserves every token, transactions and receipts, the mempool, the block builder and gas."""
