"""Takedown notices without a database: regimes, wording, platforms, mail and liveness checks."""
