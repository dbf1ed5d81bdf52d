"""The audit trail: an append-only, hash-chained store, its export and its verification."""
