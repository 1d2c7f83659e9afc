"""Plain-Python rules of the entitlement ledger (no ORM, no settings)."""
