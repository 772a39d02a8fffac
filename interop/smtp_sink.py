"""A tiny SMTP server that records what it receives: the far end of Relais's outbound queue
in tests. Recipients whose local part starts with "reject" get 550, "later" get 451."""

from __future__ import annotations

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def send(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        sink: Sink = self.server.sink  # type: ignore[attr-defined]
        self.send("220 sink.test ESMTP")
        sender, rcpts = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-sink.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n")
            elif verb == "MAIL":
                sender, rcpts = line.split(":", 1)[1].split(">")[0].lstrip(" <"), []
                self.send("250 2.1.0 ok")
            elif verb == "RCPT":
                addr = line.split(":", 1)[1].split(">")[0].lstrip(" <")
                local = addr.split("@")[0]
                if sink.defer:
                    self.send("451 4.3.2 not now")
                elif local.startswith("reject"):
                    self.send("550 5.1.1 no such user here")
                elif local.startswith("later"):
                    self.send("451 4.3.0 try again later")
                else:
                    rcpts.append(addr)
                    self.send("250 2.1.5 ok")
            elif verb == "DATA":
                self.send("354 go ahead")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                with sink.lock:
                    sink.messages.append((sender, list(rcpts), bytes(data)))
                self.send("250 2.0.0 queued")
            elif verb == "RSET":
                sender, rcpts = None, []
                self.send("250 ok")
            elif verb == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 5.5.1 not here")


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        # While true, every recipient is deferred with 451.
        self.defer = False
        self.lock = threading.Lock()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.sink = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
