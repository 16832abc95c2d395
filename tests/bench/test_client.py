"""The runner's HTTP client (bench/client.py) reads each kind of response body and keeps
the connection only while the server does."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bench.client import Connection

RESPONSES = {
    b"/length": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"/chunked": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nX-Trailer: 1\r\n\r\n"
    ),
    b"/close": b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno",
    b"/eof": b"HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\nuntil the end",
}


async def _serve(reader, writer, accepted):
    accepted.append(1)
    while True:
        request = await reader.readuntil(b"\r\n\r\n")
        path = request.split(b" ")[1]
        writer.write(RESPONSES[path])
        await writer.drain()
        if path in (b"/close", b"/eof"):
            writer.close()
            return


async def _exchange(paths):
    accepted = []
    server = await asyncio.start_server(lambda r, w: _serve(r, w, accepted), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    connection = Connection("127.0.0.1", port, timeout=5)
    answers = []
    for path in paths:
        status, size, seconds = await connection.get(path, {"X-Forwarded-Proto": "https"})
        assert seconds >= 0
        answers.append((status, size))
    await connection.close()
    server.close()
    await server.wait_closed()
    return answers, len(accepted)


def _run(coroutine_function, *args):
    """``asyncio.run`` on a thread of its own: earlier tests in the same process (the
    browser tests' Playwright) may leave an event loop running in the main thread, where
    ``asyncio.run`` refuses to start. The coroutine is made on that thread too, so none is
    left un-awaited if it cannot run."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function(*args))).result()


def test_reads_length_chunked_and_close_delimited_bodies_keeping_alive_when_it_may():
    answers, connections = _run(
        _exchange, ["/length", "/chunked", "/length", "/close", "/length", "/eof"]
    )

    assert answers == [(200, 5), (200, 7), (200, 5), (404, 2), (200, 5), (302, 13)]
    # One connection for the first four (kept alive), a new one after the server closed.
    assert connections == 2
