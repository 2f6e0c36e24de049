"""Fake external services for tests, spoken to over real HTTP."""
