"""Learner mode's rules: capturing evidence, portfolios, redaction (no views here)."""
