"""The audit trail: one append-only log of student-data writes and of reads by others."""
