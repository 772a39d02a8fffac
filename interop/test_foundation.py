"""The binary's foundation contract: start-up, listeners, HTTP health, TLS, config errors, signals,
the admin CLI and durability across a crash. Real process, real sockets, fresh data directory."""

import signal
import socket
import ssl
import subprocess

import pytest

from harness import OPTIONAL_LISTENERS, parse_addr, wait_for_listeners

DOMAIN = "example.test"
ALICE = f"alice@{DOMAIN}"


def listed(proc: subprocess.CompletedProcess) -> list[str]:
    """The first word of each line of a list command: the address or name."""
    return [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]


def auth_ok(relais, addr: str, password: str) -> bool:
    proc = relais.admin("auth", "check", addr, "--password", password, check=False)
    if proc.returncode == 0:
        assert proc.stdout.strip().splitlines()[-1] == "ok", proc.stdout
        return True
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "authentication failed" in proc.stdout + proc.stderr
    return False


def with_alice(relais, password="correct horse"):
    relais.admin("domain", "add", DOMAIN)
    relais.admin("user", "add", ALICE, "--password", password, "--name", "Alice Example")


# --- start-up and HTTP ----------------------------------------------------------------------

def test_starts_on_empty_dir_and_healthz_answers(relais_factory):
    r = relais_factory()
    assert [p.name for p in r.data_dir.iterdir()] == []
    r.start()
    assert r.get("/healthz") == (200, b"ok")


def test_readyz_when_store_answers(relais):
    status, _ = relais.get("/readyz")
    assert status == 200


def test_unknown_path_is_404(relais):
    status, _ = relais.get("/no/such/path")
    assert status == 404


# Listeners of protocols that have landed; each protocol issue moves its keys here.
SERVED = {"http", "https", "smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps"}


def test_only_requested_listeners_open(relais_factory):
    # Protocols that have not landed yet are reported in the log, never bound to a socket that
    # would accept connections and then serve nothing.
    r = relais_factory(listeners=OPTIONAL_LISTENERS).start()
    assert set(r.listeners) == SERVED & ({"http", "https"} | set(OPTIONAL_LISTENERS))
    for name in r.listeners:
        socket.create_connection(r.addr(name), timeout=5).close()
    log = r.log_tail(200)
    for name in set(OPTIONAL_LISTENERS) - SERVED:
        assert f"listen.{name} is ignored" in log, name
    plain = relais_factory("plain").start()
    assert set(plain.listeners) == {"http", "https"}


def test_default_data_dir_is_relais_data_in_cwd(relais_factory, tmp_path):
    r = relais_factory()  # only for its config file
    argv = [str(r.binary), "serve", "--config", str(r.config_path)]
    with open(tmp_path / "cwd.log", "wb") as log:
        proc = subprocess.Popen(argv, cwd=tmp_path, env=r.environ(), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        listeners = wait_for_listeners(tmp_path / "relais-data/run/listeners.json", proc, 30,
                                       lambda: (tmp_path / "cwd.log").read_text())
        assert set(listeners) == {"http", "https"}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0


# --- TLS ------------------------------------------------------------------------------------

def served_cert(relais) -> bytes:
    with socket.create_connection(relais.addr("https"), timeout=5) as sock:
        with relais.tls_context().wrap_socket(sock, server_hostname="mail.test") as tls:
            return tls.getpeercert(binary_form=True)


def test_https_with_generated_cert(relais):
    assert relais.key_path.is_file()
    assert relais.get("/healthz", tls=True) == (200, b"ok")
    assert served_cert(relais) == ssl.PEM_cert_to_DER_cert(relais.cert_path.read_text())


def test_generated_cert_survives_restart(relais):
    cert, key = relais.cert_path.read_bytes(), relais.key_path.read_bytes()
    relais.restart()
    assert (relais.cert_path.read_bytes(), relais.key_path.read_bytes()) == (cert, key)
    assert served_cert(relais) == ssl.PEM_cert_to_DER_cert(cert.decode())


# --- configuration --------------------------------------------------------------------------

def config_error(relais_factory, key: str, **kwargs):
    proc = relais_factory(**kwargs).run_serve()
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert key in (proc.stdout + proc.stderr).lower(), proc.stderr


@pytest.mark.parametrize("settings, key", [
    ({"listen": {"bogus": "127.0.0.1:0"}}, "listen.bogus"),
    ({"server": {"bogus": 1}}, "server.bogus"),
    ({"bogus": {"x": 1}}, "bogus"),
])
def test_unknown_config_key_exits_2(relais_factory, settings, key):
    config_error(relais_factory, key, settings=settings)


@pytest.mark.parametrize("settings, key", [
    ({"listen": {"http": "not-an-address"}}, "listen.http"),
    ({"server": {"hostname": 42}}, "server.hostname"),
])
def test_bad_config_value_exits_2(relais_factory, settings, key):
    config_error(relais_factory, key, settings=settings)


def test_env_override_of_unknown_key_exits_2(relais_factory):
    proc = relais_factory(env={"RELAIS__SERVER__BOGUS": "1"}).run_serve()
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    out = (proc.stdout + proc.stderr).lower()
    assert "server.bogus" in out or "relais__server__bogus" in out, proc.stderr


def test_env_override_bad_value_beats_valid_file(relais_factory):
    config_error(relais_factory, "listen.http", env={"RELAIS__LISTEN__HTTP": "not-an-address"})


def test_env_override_beats_file(relais_factory):
    r = relais_factory(env={"RELAIS__SERVER__HOSTNAME": "other.test"}).start()
    # The certificate is generated for the configured hostname, so TLS tells which one won.
    assert r.get("/healthz", tls=True, server_hostname="other.test") == (200, b"ok")
    with pytest.raises(ssl.SSLCertVerificationError):
        r.get("/healthz", tls=True, server_hostname="mail.test")


# --- admin CLI while the server runs --------------------------------------------------------

def test_domains(relais):
    relais.admin("domain", "add", DOMAIN)
    relais.admin("domain", "add", "other.test")
    assert sorted(listed(relais.admin("domain", "list"))) == [DOMAIN, "other.test"]
    relais.admin("domain", "remove", "other.test")
    assert listed(relais.admin("domain", "list")) == [DOMAIN]


def test_user_password_and_passwd(relais):
    with_alice(relais)
    relais.admin("user", "add", f"root@{DOMAIN}", "--password", "s3cret!", "--admin")
    assert sorted(listed(relais.admin("user", "list", DOMAIN))) == [ALICE, f"root@{DOMAIN}"]
    shown = relais.admin("user", "show", ALICE).stdout
    assert ALICE in shown and "Alice Example" in shown
    assert auth_ok(relais, ALICE, "correct horse")
    assert not auth_ok(relais, ALICE, "wrong horse")
    assert not auth_ok(relais, f"nobody@{DOMAIN}", "correct horse")
    relais.admin("user", "passwd", ALICE, "--password", "battery staple")
    assert auth_ok(relais, ALICE, "battery staple")
    assert not auth_ok(relais, ALICE, "correct horse")


def test_user_in_unknown_domain_fails(relais):
    proc = relais.admin("user", "add", "bob@unknown.test", "--password", "x", check=False)
    assert proc.returncode == 1
    assert "unknown domain" in proc.stderr


def test_remove_user_then_auth_fails(relais):
    with_alice(relais)
    relais.admin("user", "remove", ALICE)
    assert ALICE not in listed(relais.admin("user", "list"))
    assert not auth_ok(relais, ALICE, "correct horse")


def test_aliases_and_catchall(relais):
    with_alice(relais)
    relais.admin("alias", "add", f"info@{DOMAIN}", ALICE)
    assert f"info@{DOMAIN}" in listed(relais.admin("alias", "list"))
    relais.admin("alias", "remove", f"info@{DOMAIN}")
    assert f"info@{DOMAIN}" not in listed(relais.admin("alias", "list"))
    relais.admin("alias", "catchall", DOMAIN, ALICE)
    relais.admin("alias", "catchall", DOMAIN, "--clear")
    proc = relais.admin("alias", "catchall", "unknown.test", ALICE, check=False)
    assert proc.returncode == 1 and "unknown domain" in proc.stderr


def test_group_membership(relais):
    with_alice(relais)
    team = f"team@{DOMAIN}"
    relais.admin("group", "add", team)
    assert team in listed(relais.admin("group", "list"))
    relais.admin("group", "member", "add", team, ALICE)
    relais.admin("group", "member", "remove", team, ALICE)
    relais.admin("group", "remove", team)
    assert team not in listed(relais.admin("group", "list"))


@pytest.mark.parametrize("kind", ["shared", "room", "equipment"])
def test_shared_room_equipment(relais, kind):
    relais.admin("domain", "add", DOMAIN)
    addr = f"{kind}1@{DOMAIN}"
    relais.admin(kind, "add", addr)
    assert addr in listed(relais.admin(kind, "list"))
    relais.admin(kind, "remove", addr)
    assert addr not in listed(relais.admin(kind, "list"))


def test_app_password(relais):
    with_alice(relais)
    password = relais.admin("app-password", "add", ALICE, "phone").stdout.strip().splitlines()[-1].strip()
    assert password and password != "correct horse"
    assert "phone" in listed(relais.admin("app-password", "list", ALICE))
    assert auth_ok(relais, ALICE, password)
    assert auth_ok(relais, ALICE, "correct horse")  # the account password still works
    relais.admin("app-password", "revoke", ALICE, "phone")
    assert not auth_ok(relais, ALICE, password)
    assert "phone" not in listed(relais.admin("app-password", "list", ALICE))


def test_admin_works_without_a_running_server(relais_factory):
    r = relais_factory()
    with_alice(r)  # before the first start
    r.start()
    assert auth_ok(r, ALICE, "correct horse")
    assert r.stop() == 0
    r.admin("user", "passwd", ALICE, "--password", "offline")  # after a stop
    r.start()
    assert auth_ok(r, ALICE, "offline")


# --- signals and crashes --------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_graceful_shutdown(relais, sig):
    assert relais.listeners_path.exists()
    assert relais.stop(sig) == 0
    assert not relais.listeners_path.exists()


def test_sigkill_then_restart_keeps_data(relais):
    with_alice(relais)
    relais.kill()
    relais.start()
    assert relais.get("/healthz") == (200, b"ok")
    assert DOMAIN in listed(relais.admin("domain", "list"))
    assert ALICE in listed(relais.admin("user", "list", DOMAIN))
    assert auth_ok(relais, ALICE, "correct horse")


def test_parse_addr():
    assert parse_addr("127.0.0.1:41234") == ("127.0.0.1", 41234)
    assert parse_addr("[::1]:993") == ("::1", 993)
