"""Start the real `relais` binary for black-box tests.

A `Relais` owns one data directory. Its config is written beside it (`DIR.toml`, so that the data
directory holds only what the server and this harness put there); the server's stdout and stderr go
to `DIR/server.log`, appended across restarts. The server announces its bound addresses in
`DIR/run/listeners.json`; that file is the only readiness signal we trust.

    with Relais(tmp_path / "data", listeners=["imap"]) as r:
        r.admin("domain", "add", "example.test")
        host, port = r.addr("imap")

The binary is `$RELAIS_BIN`, else the first `debug/relais` found in `$CARGO_TARGET_DIR`,
`~/.cache/relais/target` (scripts/test's default) or the repository's `target/`.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import tomllib
from pathlib import Path

HOSTNAME = "mail.test"
# Listeners a test opens on request; http and https are always open.
OPTIONAL_LISTENERS = (
    "smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "managesieve",
)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
ADMIN_TIMEOUT = 60.0
REPO = Path(__file__).resolve().parent.parent


def relais_binary() -> Path:
    if os.environ.get("RELAIS_BIN"):
        return Path(os.environ["RELAIS_BIN"])
    dirs = [os.environ.get("CARGO_TARGET_DIR"), Path.home() / ".cache/relais/target", REPO / "target"]
    for d in filter(None, dirs):
        if (Path(d) / "debug/relais").is_file():
            return Path(d) / "debug/relais"
    raise FileNotFoundError("no relais binary: run `cargo build` or set RELAIS_BIN")


class Relais:
    """One server process on one data directory; can be stopped, killed and started again."""

    def __init__(self, data_dir, *, listeners=(), settings=None, extra_toml="", env=None,
                 config_text=None, binary=None):
        """`settings` (a dict of tables) and `extra_toml` (TOML text) are merged over the base config;
        a `None` value in `settings` deletes that key. `config_text` replaces the whole file verbatim.
        `env` is added to the server's and the admin CLI's environment."""
        unknown = set(listeners) - set(OPTIONAL_LISTENERS)
        if unknown:  # a typo must not silently leave a listener closed
            raise ValueError(f"unknown listener(s) {sorted(unknown)}")
        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.data_dir.with_name(self.data_dir.name + ".toml")
        self.log_path = self.data_dir / "server.log"
        self.listeners_path = self.data_dir / "run" / "listeners.json"
        self.cert_path = self.data_dir / "tls" / "cert.pem"
        self.key_path = self.data_dir / "tls" / "key.pem"
        self.binary = Path(binary) if binary else relais_binary()
        self.extra_env = dict(env or {})
        self.proc: subprocess.Popen | None = None
        self.listeners: dict[str, list[str]] = {}
        if config_text is None:
            config = base_config(listeners)
            merge(config, tomllib.loads(extra_toml))
            merge(config, settings or {})
            config_text = to_toml(config)
        self.config_path.write_text(config_text)

    # --- process --------------------------------------------------------------------------

    def serve_argv(self) -> list[str]:
        return [str(self.binary), "serve", "--data", str(self.data_dir), "--config", str(self.config_path)]

    def environ(self) -> dict[str, str]:
        # Overrides from the caller's shell would make tests depend on who runs them.
        env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS__")}
        env.setdefault("RUST_BACKTRACE", "1")
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = START_TIMEOUT) -> "Relais":
        """Start the server and wait until every listener is bound."""
        if self.running:
            raise RuntimeError("relais is already running")
        # A file left by a killed server would make us talk to ports nobody listens on.
        self.listeners_path.unlink(missing_ok=True)
        self.listeners = {}
        with open(self.log_path, "ab") as log:
            log.write(f"--- harness: {' '.join(self.serve_argv())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.serve_argv(), env=self.environ(), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.listeners = wait_for_listeners(self.listeners_path, self.proc, timeout, self.log_tail)
        return self

    def run_serve(self, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess:
        """Run `relais serve` in the foreground, for a start that must fail (a config error).
        If the server starts instead, it is killed at `timeout` and TimeoutExpired is raised."""
        return subprocess.run(self.serve_argv(), env=self.environ(), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Ask for a graceful shutdown; return the exit code (negative: killed by that signal)."""
        if self.proc is None:
            raise RuntimeError("relais was never started")
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"relais ignored {signal.Signals(sig).name} for {timeout}s\n"
                                     + self.log_tail()) from None
        return self.proc.returncode

    def kill(self) -> int:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode if self.proc else 0

    def restart(self) -> "Relais":
        code = self.stop()
        if code != 0:
            raise AssertionError(f"relais exited {code} on SIGTERM\n" + self.log_tail())
        return self.start()

    def __enter__(self) -> "Relais":
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.running:
            try:
                self.stop()
            finally:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return f"--- last lines of {self.log_path} ---\n" + "\n".join(text.splitlines()[-lines:])

    # --- addresses and HTTP ---------------------------------------------------------------

    def addr(self, name: str) -> tuple[str, int]:
        if name not in self.listeners:
            raise KeyError(f"no {name!r} listener; open: {sorted(self.listeners)}")
        return parse_addr(self.listeners[name][0])

    @property
    def http_url(self) -> str:
        return "http://%s:%d" % self.addr("http")

    @property
    def https_url(self) -> str:
        """By IP: a verifying client must set the TLS server name to `hostname` itself."""
        return "https://%s:%d" % self.addr("https")

    def tls_context(self) -> ssl.SSLContext:
        """A client context that trusts exactly the server's generated certificate."""
        return ssl.create_default_context(cafile=str(self.cert_path))

    def get(self, path: str, *, tls: bool = False, server_hostname: str = HOSTNAME,
            context: ssl.SSLContext | None = None, timeout: float = 10) -> tuple[int, bytes]:
        """GET over a fresh connection; return (status, body). TLS verifies against the generated cert."""
        host, port = self.addr("https" if tls else "http")
        if tls:
            conn = _HTTPSByName(host, port, server_hostname, context or self.tls_context(), timeout)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    # --- admin CLI ------------------------------------------------------------------------

    def command(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a top-level `relais` command (backup, restore) on this data directory."""
        argv = [str(self.binary), args[0], "--data", str(self.data_dir), "--config", str(self.config_path),
                *map(str, args[1:])]
        proc = subprocess.run(argv, env=self.environ(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=ADMIN_TIMEOUT * 4)
        if check and proc.returncode != 0:
            raise AssertionError(f"`relais {' '.join(map(str, args))}` exited {proc.returncode}\n"
                                 f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def admin(self, *args: str, check: bool = True, env=None) -> subprocess.CompletedProcess:
        """Run `relais admin` on this data directory (with or without a running server)."""
        argv = [str(self.binary), "admin", "--data", str(self.data_dir), "--config", str(self.config_path),
                *map(str, args)]
        proc = subprocess.run(argv, env={**self.environ(), **(env or {})}, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=ADMIN_TIMEOUT)
        if check and proc.returncode != 0:
            raise AssertionError(f"`relais admin {' '.join(map(str, args))}` exited {proc.returncode}\n"
                                 f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc


class _HTTPSByName(http.client.HTTPSConnection):
    """Connects to an IP but verifies (and sends SNI for) another name, as a client resolving it would."""

    def __init__(self, host, port, server_hostname, context, timeout):
        super().__init__(host, port, context=context, timeout=timeout)
        self._server_hostname = server_hostname

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_hostname)


def wait_for_listeners(path: Path, proc: subprocess.Popen, timeout: float, log_tail=lambda: "") -> dict:
    """Wait for the server's listeners.json; fail early, with the log, if the process exits."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"relais exited with {proc.returncode} before listening\n{log_tail()}")
        try:
            return json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            pass  # not written yet (the server renames it into place, but be lenient)
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"no {path} after {timeout}s\n{log_tail()}")
        time.sleep(0.05)


def parse_addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


# --- config -------------------------------------------------------------------------------

def base_config(listeners) -> dict:
    listen = {"http": "127.0.0.1:0", "https": "127.0.0.1:0"}
    # An empty list disables a listener; otherwise the defaults would bind ports 25, 143, ...
    listen.update({name: "127.0.0.1:0" if name in listeners else [] for name in OPTIONAL_LISTENERS})
    return {"server": {"hostname": HOSTNAME}, "listen": listen}


def merge(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def to_toml(config: dict) -> str:
    """Just enough TOML for configs: tables, strings, numbers, booleans, arrays."""
    lines: list[str] = []

    def table(prefix: str, d: dict) -> None:
        plain = {k: v for k, v in d.items() if not isinstance(v, dict)}
        if prefix and (plain or len(plain) == len(d)):
            lines.append(f"\n[{prefix}]")
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in plain.items())
        for k, v in d.items():
            if isinstance(v, dict):
                table(f"{prefix}.{_key(k)}" if prefix else _key(k), v)

    table("", config)
    return "\n".join(lines).lstrip() + "\n"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):  # JSON string escapes are TOML basic-string escapes, except DEL
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(map(_value, v)) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")
