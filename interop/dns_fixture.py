"""A small authoritative DNS server for tests (UDP and TCP on 127.0.0.1), answering from a
dict of records that a test may change while it runs. Relais's one resolver is pointed at it
with `[dns] nameservers`."""

from __future__ import annotations

import threading

from dnslib import MX, QTYPE, RR, TXT, A, DNSRecord
from dnslib.server import BaseResolver, DNSServer


class _Zone(BaseResolver):
    def __init__(self, records):
        self.records = records

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        found = False
        for rtype, value in self.records.get(name, []):
            if rtype != qtype:
                continue
            found = True
            if rtype == "TXT":
                chunks = [value[i:i + 250] for i in range(0, len(value), 250)] or [""]
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(chunks), ttl=60))
            elif rtype == "MX":
                pref, host = value
                reply.add_answer(RR(request.q.qname, QTYPE.MX, rdata=MX(host, pref), ttl=60))
            elif rtype == "A":
                reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(value), ttl=60))
        if not found and name not in self.records:
            reply.header.rcode = 3  # NXDOMAIN
        return reply


class DnsFixture:
    """`records` maps a lower-case name to a list of (type, value): ("TXT", "v=spf1 -all"),
    ("MX", (10, "mx.example.net")), ("A", "127.0.0.1")."""

    def __init__(self) -> None:
        self.records: dict[str, list] = {}
        resolver = _Zone(self.records)
        # The UDP port is the kernel's choice; the same number over TCP may already be held (a
        # client's ephemeral port under a loaded run), so the pair is chosen again until both bind.
        for attempt in range(50):
            self.udp = DNSServer(resolver, port=0, address="127.0.0.1")
            self.port = self.udp.server.server_address[1]
            try:
                self.tcp = DNSServer(resolver, port=self.port, address="127.0.0.1", tcp=True)
                break
            except OSError:
                self.udp.server.server_close()
                if attempt == 49:
                    raise
        self.udp.start_thread()
        self.tcp.start_thread()

    def add(self, name: str, rtype: str, value) -> None:
        self.records.setdefault(name.lower().rstrip("."), []).append((rtype, value))

    def lookup_txt(self, name: bytes) -> bytes | None:
        """A `dnsfunc` for dkimpy: the TXT record of `name`, or None."""
        key = name.decode().rstrip(".").lower()
        values = [v for t, v in self.records.get(key, []) if t == "TXT"]
        return values[0].encode() if values else None

    def close(self) -> None:
        self.udp.stop()
        self.tcp.stop()
