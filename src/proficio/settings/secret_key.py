"""The secret key: from ``PROFICIO_SECRET_KEY``, else from the ``secret_key`` file in the
data folder. There is no built-in default.

The development and embedded settings (``proficio.settings``, what ``proficio run`` uses)
create that file on first need, with a random key, readable only by its owner. The
production settings never create it: several app servers behind a load balancer must share
one key, so an operator provides it (see the operator guide).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"
MIN_LENGTH = 50


def configured(data_dir: Path) -> str:
    """The key from the environment, else from the data folder's file, else ``""``."""
    key = os.environ.get("PROFICIO_SECRET_KEY", "").strip()
    if key:
        return key
    try:
        return (data_dir / FILE_NAME).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def read_or_create(data_dir: Path) -> str:
    """The configured key, or a new random one written to the data folder's file.

    The file appears whole or not at all (written aside, then linked into place), so two
    processes starting together (a server and its task worker) agree on one key.
    """
    key = configured(data_dir)
    if key:
        return key
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / FILE_NAME
    aside = data_dir / f".{FILE_NAME}.{os.getpid()}"
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_urlsafe(64) + "\n")
    try:
        os.link(aside, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        aside.unlink()
    return path.read_text(encoding="utf-8").strip()
