"""Frameworks: competencies, learning targets, the continuum, scales and rubrics (CASE-shaped)."""
