"""Scenario data that is not a stack of its own (see acquisition.py)."""
