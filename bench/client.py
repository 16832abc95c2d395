"""A small HTTP/1.1 GET client on asyncio, standard library only, light on CPU (the
machine is shared with the server under test).

Keeps the connection alive when the server does; gunicorn's sync workers close it after
every response, so each request then opens a new one, as a browser's would against them.
Reads Content-Length, chunked and close-delimited bodies. Times each request from sending
it (connecting if needed) to the last byte of the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import time


class HttpError(Exception):
    pass


class Connection:
    def __init__(self, host: str, port: int, timeout: float = 120.0):
        self.host = host
        self.port = port
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, int, float]:
        """GET ``path``: (status, body bytes, seconds)."""
        started = time.perf_counter()
        try:
            status, size = await asyncio.wait_for(self._get(path, headers), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, HttpError):
            await self.close()
            raise
        return status, size, time.perf_counter() - started

    async def _get(self, path: str, headers: dict[str, str]) -> tuple[int, int]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await self._writer.drain()
        reader = self._reader
        status_line = await reader.readline()
        if not status_line:
            raise HttpError("connection closed before a response")
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise HttpError(f"not an HTTP response: {status_line[:80]!r}")
        status = int(parts[1])
        length = None
        chunked = False
        close = parts[0] == b"HTTP/1.0"
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection":
                close = value == b"close"
        if chunked:
            size = 0
            while True:
                head = await reader.readline()
                chunk = int(head.split(b";")[0].strip() or b"0", 16)
                if chunk == 0:
                    # Trailers, then the blank line.
                    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                await reader.readexactly(chunk + 2)
                size += chunk
        elif length is not None:
            await reader.readexactly(length)
            size = length
        else:
            size = len(await reader.read())
            close = True
        if close:
            await self.close()
        return status, size
