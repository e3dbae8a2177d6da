"""Progressions: the prerequisite graph between learning targets, readiness and pace."""
