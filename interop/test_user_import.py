"""Bulk provisioning with `relais admin user import FILE.csv`: plain passwords are hashed by
Relais, Argon2id hashes made by another implementation (argon2-cffi, the reference C code)
are kept and verified at login; a refused row is reported and the rest imported; a re-run
skips what exists."""

import imaplib

import argon2
import pytest

DOMAIN = "example.test"


@pytest.fixture
def relais(relais_factory):
    r = relais_factory(listeners=["imap"], settings={"imap": {"plaintext_auth_on_loopback": True}}).start()
    r.admin("domain", "add", DOMAIN)
    return r


def logs_in(r, user, password):
    c = imaplib.IMAP4(*r.addr("imap"))
    try:
        c.login(user, password)
        return True
    except imaplib.IMAP4.error:
        return False
    finally:
        c.shutdown()


def test_import_users_from_csv(relais, tmp_path):
    phc = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("from-dovecot")
    assert phc.startswith("$argon2id$")
    weak = argon2.PasswordHasher(type=argon2.Type.I).hash("argon2i")
    csv = tmp_path / "users.csv"
    csv.write_text(
        "address,name,password,password_hash\n"
        f'ann@{DOMAIN},"Martin, Ann",,"{phc}"\n'
        f"bob@{DOMAIN},Bob,bob-pw,\n"
        f'eve@{DOMAIN},Eve,,"{weak}"\n'
        f"zed@elsewhere.test,Zed,zed-pw,\n"
    )
    first = relais.admin("user", "import", str(csv), check=False)
    assert first.returncode != 0
    assert "imported 2 users, 0 existed, 2 refused" in first.stdout
    assert "line 4" in first.stderr and "Argon2id" in first.stderr
    assert "line 5" in first.stderr
    assert logs_in(relais, f"ann@{DOMAIN}", "from-dovecot")
    assert not logs_in(relais, f"ann@{DOMAIN}", "wrong")
    assert logs_in(relais, f"bob@{DOMAIN}", "bob-pw")
    assert "Martin, Ann" in relais.admin("user", "show", f"ann@{DOMAIN}").stdout

    csv.write_text(f"address,password\nann@{DOMAIN},other\ncarl@{DOMAIN},carl-pw\n")
    again = relais.admin("user", "import", str(csv))
    assert "imported 1 users, 1 existed, 0 refused" in again.stdout
    assert logs_in(relais, f"ann@{DOMAIN}", "from-dovecot"), "an existing account is left as it was"
    assert logs_in(relais, f"carl@{DOMAIN}", "carl-pw")
