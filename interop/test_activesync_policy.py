"""Mobile device policies over ActiveSync (issue 14, device management) against the real binary: a
policy set with `relais admin policy` for a domain, and for one user over it, is what Provision
sends; every device it applies to is asked to provision again — Status 142 for 14.1 and 16.1, HTTP
449 for 12.1 — and the server holds what it can: FilterType no older than MaxEmailAgeFilter,
attachments over MaxAttachmentSize not sent. The WBXML client of test_activesync_calendar.py.
"""

import datetime
import smtplib
from email.message import EmailMessage

import pytest
import requests

from harness import Relais
from test_activesync import DOCTYPE, find, imap, libwbxml
from test_activesync_more import RawPhone, subjects

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "policy.test"
GIL, GIL_PW = f"gil@{DOMAIN}", "a policy user password"
HAL, HAL_PW = f"hal@{DOMAIN}", "another policy password"
INBOX = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("easpolicy") / "data", listeners=["smtp", "imap"],
               settings={"imap": {"plaintext_auth_on_loopback": True}})
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", GIL, "--password", GIL_PW)
    r.admin("user", "add", HAL, "--password", HAL_PW)
    with r:
        yield r


def provision_doc(phone):
    """Provisions `phone` again; the policy document it was sent."""
    ask = ('<Provision xmlns="Provision:" xmlns:settings="Settings:"><settings:DeviceInformation><settings:Set>'
           '<settings:Model>Policy</settings:Model></settings:Set></settings:DeviceInformation>'
           '<Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType></Policy></Policies></Provision>')
    status, t = phone.raw("Provision", ask)
    assert status == 200 and find(t, "Status") == "1"
    doc = t.find(".//{*}EASProvisionDoc")
    phone.key = find(t, "Policies/Policy/PolicyKey")
    ack = ('<Provision xmlns="Provision:"><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>'
           f'<PolicyKey>{phone.key}</PolicyKey><Status>1</Status></Policy></Policies></Provision>')
    status, t = phone.raw("Provision", ack)
    phone.key = find(t, "Policies/Policy/PolicyKey")
    return {e.tag.split("}")[1]: (e.text or "") for e in doc}


FOLDER_SYNC = '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>'


def folder_sync_status(phone):
    status, t = phone.raw("FolderSync", FOLDER_SYNC)
    return status, (None if t is None else find(t, "Status"))


def test_policy_set_by_the_admin_is_provisioned(server, tmp_path):
    phones = {v: RawPhone(server, tmp_path, GIL, GIL_PW, f"POLICY{v.replace('.', '')}", version=v)
              for v in ("14.1", "16.1")}
    before = provision_doc(phones["16.1"])
    assert (before["DevicePasswordEnabled"], before["MinDevicePasswordLength"]) == ("0", "")
    for phone in phones.values():
        assert folder_sync_status(phone) == (200, "1")

    done = server.admin("policy", "set", "--domain", DOMAIN, "DevicePasswordEnabled=1", "MinDevicePasswordLength=6",
                        "MaxInactivityTimeDeviceLock=300", "RequireDeviceEncryption=1", "MaxEmailAgeFilter=3",
                        "MaxAttachmentSize=100")
    assert "2 device(s)" in done.stdout
    # Every device of the domain is asked to provision again, and gets the new policy.
    for phone in phones.values():
        assert folder_sync_status(phone) == (200, "142")
        doc = provision_doc(phone)
        assert (doc["DevicePasswordEnabled"], doc["MinDevicePasswordLength"], doc["MaxInactivityTimeDeviceLock"],
                doc["RequireDeviceEncryption"], doc["MaxEmailAgeFilter"], doc["MaxAttachmentSize"]) == (
            "1", "6", "300", "1", "3", "100")
        assert folder_sync_status(phone) == (200, "1")

    # The user's own policy over the domain's, setting by setting; only their devices re-provision.
    hal = RawPhone(server, tmp_path, HAL, HAL_PW, "POLICYHAL")
    server.admin("policy", "set", "--user", GIL, "MinDevicePasswordLength=8", "AllowSimpleDevicePassword=0")
    assert folder_sync_status(hal) == (200, "1")
    assert folder_sync_status(phones["14.1"]) == (200, "142")
    doc = provision_doc(phones["14.1"])
    assert (doc["MinDevicePasswordLength"], doc["AllowSimpleDevicePassword"], doc["DevicePasswordEnabled"]) == (
        "8", "0", "1")
    shown = server.admin("policy", "show", "--user", GIL).stdout
    assert "MinDevicePasswordLength=8" in shown and "MaxEmailAgeFilter=3" in shown
    assert "MinDevicePasswordLength=6" in server.admin("policy", "show", "--domain", DOMAIN).stdout
    # Bad settings are refused by the command, nothing changed.
    assert server.admin("policy", "set", "--domain", DOMAIN, "MinDevicePasswordLength=99", check=False).returncode != 0
    assert server.admin("policy", "set", "--domain", DOMAIN, "Nonsense=1", check=False).returncode != 0
    assert folder_sync_status(hal) == (200, "1")


def test_a_12_1_device_is_asked_by_http_449(server, tmp_path):
    phone = RawPhone(server, tmp_path, HAL, HAL_PW, "POLICY121", version="12.1")
    assert folder_sync_status(phone) == (200, "1")
    phone.key = None
    assert folder_sync_status(phone) == (449, None)
    provision_doc(phone)
    assert folder_sync_status(phone) == (200, "1")
    server.admin("policy", "set", "--user", HAL, "DevicePasswordEnabled=1")
    assert folder_sync_status(phone) == (449, None)
    assert provision_doc(phone)["DevicePasswordEnabled"] == "1"
    assert folder_sync_status(phone) == (200, "1")


def test_the_server_holds_the_age_and_attachment_limits(server, tmp_path):
    # The domain's policy of the first test: MaxEmailAgeFilter 3 (a week), MaxAttachmentSize 100.
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=20)
    with imap(server, GIL, GIL_PW) as m:
        m.append("INBOX", f"From: x@elsewhere.test\r\nTo: {GIL}\r\nSubject: too old\r\n\r\nold\r\n".encode(),
                 msg_time=old)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "x@elsewhere.test", GIL, "big attachment"
    msg.set_content("see attached")
    msg.add_attachment(b"x" * 500, maintype="application", subtype="octet-stream", filename="big.bin")
    with smtplib.SMTP(*server.addr("smtp"), timeout=10) as s:
        s.send_message(msg)
    phone = RawPhone(server, tmp_path, GIL, GIL_PW, "POLICYAGE")
    provision_doc(phone)
    inbox = phone.folders()[INBOX]
    # FilterType 0 (everything) is held to a week: the old message is not sent.
    key = phone.start(inbox, options="<Options><FilterType>0</FilterType></Options>")
    c = phone.sync(inbox, key)
    assert "too old" not in subjects(c) and "big attachment" in subjects(c)
    reference = c.find(".//{*}Attachment/{*}FileReference").text
    xml = ('<ItemOperations xmlns="ItemOperations:" xmlns:base="AirSyncBase:"><Fetch><Store>Mailbox</Store>'
           f'<base:FileReference>{reference}</base:FileReference></Fetch></ItemOperations>')
    status, t = phone.raw("ItemOperations", xml)
    assert find(t, "Response/Fetch/Status") == "11" and t.find(".//{*}Data") is None
    # Lifted: sent.
    server.admin("policy", "set", "--domain", DOMAIN, "MaxAttachmentSize=")
    provision_doc(phone)
    status, t = phone.raw("ItemOperations", xml)
    assert find(t, "Response/Fetch/Status") == "1" and t.find(".//{*}Data") is not None
