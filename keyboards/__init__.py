"""Keyboard builders and callback-data classes."""
