"""Proficio's pure kernels: Python and numpy only, no Django, no database."""
