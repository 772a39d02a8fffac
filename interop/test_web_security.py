"""The web client's Settings for the account's security end to end in a real browser (issue 16):
Debian's headless Chromium driven by playwright-core (interop/web/security.cjs) against the real
binary over HTTPS, on Relais's JMAP capability `urn:relais:jmap:security`, checked with the
protocols the credentials are for.

A phone provisions over ActiveSync (raw WBXML, as interop/test_activesync.py does). In Settings
the browser makes an app password — refused with a wrong current password, then shown once —:
IMAP logs in with it, and the web sign-in does not (an app password is for apps). Revoked in the
browser, IMAP refuses it. The phone is listed with what it said of itself; wiped from the browser
(the password asked again), its next ActiveSync command is told Status 140. The password changed
in the browser ends the session (the page signs in again with the new one): IMAP refuses the old
password and takes the new one. Screenshots go to the test's temporary directory.

Skipped without chromium or the npm packages, as interop/test_web.py is.
"""

import imaplib
import os
from pathlib import Path

import pytest
import requests
import urllib3

from test_activesync import ANN, ANN_PW, FOLDERSYNC, find, provision_14, raw_eas
from test_web import drive, node_modules

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

SCRIPT = Path(__file__).parent / "web" / "security.cjs"
NEW_PW = "a brand new passphrase"
STEP_TIMEOUT = 30


def imap_login(server, password) -> bool:
    with imaplib.IMAP4(*server.addr("imap")) as imap:
        try:
            imap.login(ANN, password)
            return True
        except imaplib.IMAP4.error:
            return False


def web_login(server, password) -> int:
    s = requests.Session()
    s.verify, s.trust_env = False, False
    r = s.post(server.https_url + "/web/login", data={"username": ANN, "password": password},
               headers={"Origin": server.https_url}, timeout=30)
    return r.status_code


def test_security_settings_in_chromium(relais_factory, tmp_path):
    modules = node_modules()
    if modules is None:
        pytest.skip("chromium or the web client's npm packages are not installed (scripts/test installs them)")
    server = relais_factory(listeners=["imap"], settings={"imap": {"plaintext_auth_on_loopback": True}})
    server.admin("domain", "add", ANN.split("@")[1])
    server.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    server.start()
    eas = tmp_path / "eas"
    eas.mkdir()
    key = provision_14(server, eas, "WEBPHONE1")
    made = {}

    def on_step(step, words):
        if step == "app-made":
            [made["secret"]] = words
            assert imap_login(server, made["secret"]), "IMAP refused the app password made in the browser"
            assert web_login(server, made["secret"]) == 401, "an app password signed in to the web client"
        elif step == "app-revoked":
            assert not imap_login(server, made["secret"]), "IMAP took the revoked app password"
        elif step == "device-wiped":
            _, t = raw_eas(server, eas, "FolderSync", FOLDERSYNC.format(0), device="WEBPHONE1", key=key)
            assert find(t, "Status") == "140", "the phone was not told to wipe itself"
            assert "wipe requested" in server.admin("device", "show", ANN, "WEBPHONE1").stdout
        elif step == "password-changed":
            assert not imap_login(server, ANN_PW) and imap_login(server, NEW_PW)

    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url, "RELAIS_USER": ANN, "RELAIS_PASSWORD": ANN_PW,
           "RELAIS_NEW_PASSWORD": NEW_PW, "RELAIS_SCREENSHOTS": str(shots)}
    steps = drive(SCRIPT, env, on_step, STEP_TIMEOUT)
    assert steps == ["app-made", "app-revoked", "device-wiped", "password-changed"]
    assert {p.name for p in shots.iterdir()} >= {"settings-security.png"}
