"""Mastery: versioned policies, explainable determinations, overrides, replay, BKT."""
