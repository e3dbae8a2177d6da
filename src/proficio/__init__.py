"""Proficio: personalized, competency-based education."""

__version__ = "0.1.0"
