"""Plain-Python rules of the enterprise registry: no ORM, no clock, no settings."""
