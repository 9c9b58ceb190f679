"""A TCP proxy in front of a real PostgreSQL that can play a server restarting.

While `starting`, every existing connection is cut and every new one is answered, in the
PostgreSQL wire protocol, exactly as a postmaster still in recovery answers:
FATAL 57P03 "the database system is not yet accepting connections". When `up`, bytes pass
through untouched. It injects a fault on the wire, like toxiproxy; it imitates nothing of
our own code.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass, field

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


def _error_response(code: str, message: str) -> bytes:
    fields = b"".join(
        tag + value.encode() + b"\0"
        for tag, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message))
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


@dataclass
class PgFaultProxy:
    upstream_host: str
    upstream_port: int
    starting: bool = False
    refused: int = 0  # connections answered 57P03
    _server: asyncio.Server | None = None
    _links: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def close(self) -> None:
        self._cut_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def restart_begins(self) -> None:
        """The server went down and is coming back: connections cut, new ones refused."""
        self.starting = True
        self._cut_all()

    def restart_ends(self) -> None:
        self.starting = False

    def _cut_all(self) -> None:
        for writer in list(self._links):
            writer.close()
        self._links.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.starting:
                await self._refuse(reader, writer)
                return
            await self._pipe(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            writer.close()

    async def _refuse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:  # an SSL or GSS request comes first; "N" (not supported), then startup
            length = struct.unpack("!I", await reader.readexactly(4))[0]
            payload = await reader.readexactly(length - 4)
            code = struct.unpack("!I", payload[:4])[0]
            if code in (SSL_REQUEST, GSSENC_REQUEST):
                writer.write(b"N")
                await writer.drain()
                continue
            break
        self.refused += 1
        writer.write(
            _error_response("57P03", "the database system is not yet accepting connections")
        )
        await writer.drain()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        self._links |= {writer, up_writer}

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        try:
            await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        finally:
            self._links -= {writer, up_writer}
            up_writer.close()
