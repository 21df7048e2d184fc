"""Files the command line writes with identity data in them: readable by their owner only.

Why: an export or a rejection report carries names, account numbers and national ids; created
with the default umask they were world-readable (0644). A file that already exists is narrowed
to 0600 before anything is written to it.
"""

from __future__ import annotations

import os
from typing import IO, Any


def open_private(path: str, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """`open(path, mode)` (truncating), but the file is 0600 from its first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise
