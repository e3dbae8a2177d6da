"""Pace: district time-bound targets, each student's pace against them, and the
just-in-time supports that follow when a student falls behind or stalls."""
