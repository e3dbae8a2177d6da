"""Password hashing: Argon2id at OWASP's minimum parameters.

Django's own Argon2 hasher asks for 100 MiB and 8 lanes per hash. Under a burst of logins
each worker thread holds that much at once, which is what drove workers past 600 MiB.
OWASP's Password Storage Cheat Sheet gives m = 19 MiB, t = 2, p = 1 as the minimum for
Argon2id; this hasher uses exactly that. The algorithm name stays ``argon2``, so hashes
made with Django's defaults still verify, and Django's ``must_update`` sees their other
parameters and re-hashes them with these on the person's next successful login.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    memory_cost = 19 * 1024  # KiB: 19 MiB
    time_cost = 2
    parallelism = 1
