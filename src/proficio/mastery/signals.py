"""What the mastery app tells others, without knowing who listens.

``standing_changed`` is sent (inside the writer's transaction) whenever a student's
determination or override on a target changes, so a standing may have changed: the
credentials app issues or revokes level credentials once the change commits."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``student`` (a Student); receivers must defer their work to ``on_commit``.
standing_changed = Signal()
