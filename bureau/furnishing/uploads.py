"""Receiving an upload without holding the database while it arrives.

Why: the upload route used to take its transaction (a pooled connection) before reading the
body, so nine clients that sent headers and ten bytes, then nothing, held every connection and
the whole bureau answered 503. Now the key is checked in a short transaction of its own, the
body is spooled to a bounded temporary file with a read timeout on every chunk, at most
`uploads_per_furnisher` uploads of one furnisher are received at once (counted in
PostgreSQL across workers, `bureau.furnishing.upload_slots`), and only a complete
body gets a connection.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO, ClassVar

from starlette.requests import ClientDisconnect

from bureau.errors import DomainError, InvalidInput

SPOOL_IN_MEMORY = 8 << 20
"""Larger uploads spill to a temporary file, never held whole in memory."""


class UploadTooSlow(DomainError):
    status: ClassVar[int] = 408
    type: ClassVar[str] = "upload-stalled"
    title: ClassVar[str] = "The request body stopped arriving"


class UploadTooLarge(DomainError):
    status: ClassVar[int] = 413
    type: ClassVar[str] = "upload-too-large"
    title: ClassVar[str] = "The request body is larger than the bureau accepts"


class TooManyUploads(DomainError):
    status: ClassVar[int] = 429
    type: ClassVar[str] = "too-many-uploads"
    title: ClassVar[str] = "This furnisher already has as many uploads in progress as allowed"


@asynccontextmanager
async def spooled(
    chunks: AsyncIterator[bytes], read_timeout: float, max_bytes: int
) -> AsyncIterator[IO[bytes]]:
    """The whole body in a temporary file, rewound; refused if a chunk takes longer than
    `read_timeout` seconds to arrive, the body exceeds `max_bytes`, or it is empty."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        size = 0
        iterator = chunks.__aiter__()
        while True:
            try:
                chunk = await asyncio.wait_for(iterator.__anext__(), read_timeout)
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise UploadTooSlow(
                    f"no data for {read_timeout:g} seconds; send the file in one go",
                    field="body",
                ) from None
            except ClientDisconnect:
                raise UploadTooSlow("the client went away mid-upload", field="body") from None
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLarge(f"at most {max_bytes} bytes", field="body")
            spool.write(chunk)
        if size == 0:
            raise InvalidInput("the request body is empty: send the Metro 2 file", field="body")
        spool.seek(0)
        yield spool
