"""arm64 for real: an arm64 Debian guest (qemu-system-aarch64), its own arm64
kernel, runs the images the stack builds for an arm64 host, and the
user's services in them do their jobs: Krill answers, BIRD holds a BGP
session with a lab-side BIRD and announces the user's prefix to it, nginx
proxies Krill's API over HTTPS. `make test-arm64-guest` boots the guest
(scripts/arm64-guest.sh) and takes it down; tests/arm64 checks the same
images under qemu-user on this machine's kernel."""

from __future__ import annotations

import json
import re
import subprocess
import time

from .conftest import KRILL_NAME, LAB_ASN, PREFIX, USER_ASN, birdc


def test_the_guest_runs_an_arm64_kernel_and_the_images_run_on_it_natively(guest, images):
    assert guest.run("uname -m").stdout.strip() == "aarch64"
    # Nothing emulates in between: the guest's kernel runs no handler for
    # foreign binaries (qemu-user would be one).
    handlers = guest.run("ls /proc/sys/fs/binfmt_misc 2>/dev/null || true").stdout.split()
    assert [h for h in handlers if h not in ("register", "status")] == []
    for name, tag in images.items():
        assert guest.run(f"docker image inspect -f '{{{{.Architecture}}}}' {tag}").stdout.strip() == "arm64", name
        out = guest.run(f"docker run --rm --pull never --network none --entrypoint uname {tag} -m").stdout
        assert out.strip() == "aarch64", name


def test_krill_answers_krillc_info_in_the_guest(krill_info):
    assert krill_info["version"].startswith("0.16."), krill_info


def _established(text: str) -> bool:
    return re.search(r"BGP state:\s+Established", text) is not None


def test_bird_holds_a_bgp_session_with_the_lab_side_and_announces_the_prefix(guest, guest_bird, lab_bird):
    lab = ["docker", "exec", lab_bird]
    deadline, ours, theirs = time.monotonic() + 240, "", ""
    while time.monotonic() < deadline:
        ours = guest.run(f"docker exec {guest_bird} {' '.join(birdc('show', 'protocols', 'all', 'lab'))}",
                         check=False).stdout
        theirs = subprocess.run([*lab, *birdc("show", "protocols", "all", "customer")], capture_output=True,
                                text=True).stdout
        if _established(ours) and _established(theirs):
            break
        time.sleep(3)
    assert _established(ours), f"the guest's BIRD:\n{ours}"
    assert _established(theirs), f"the lab side's BIRD:\n{theirs}"
    # Roles as the stack configures them (RFC 9234): the guest says customer,
    # the lab side provider, and BIRD took the session on those terms.
    assert re.search(r"Local capabilities.*?Role: customer.*?Neighbor capabilities.*?Role: provider", ours,
                     re.S), ours
    # It sends the lab side one route, the user's prefix, and takes none.
    assert re.search(r"Routes:\s+0 imported, 1 exported", ours), ours

    # The guest announces the user's prefix; the lab side receives it from
    # AS65536 with the guest's address as next hop.
    deadline, route = time.monotonic() + 60, ""
    while time.monotonic() < deadline:
        route = subprocess.run([*lab, *birdc("show", "route", PREFIX, "all")], capture_output=True,
                               text=True).stdout
        if "BGP.as_path" in route:
            break
        time.sleep(2)
    assert re.search(rf"^{re.escape(PREFIX)}\s+unicast \[customer ", route, re.M), route
    assert re.search(rf"BGP\.as_path: {USER_ASN}$", route, re.M), route
    assert re.search(rf"BGP\.next_hop: {re.escape(guest.address6)}\b", route), route
    # Nothing else: the export filter lets out the user's prefixes only.
    count = subprocess.run([*lab, *birdc("show", "route", "count", "protocol", "customer")],
                           capture_output=True, text=True).stdout
    assert re.search(r"^1 of 1 routes for 1 networks", count, re.M), count
    assert str(LAB_ASN) in theirs


def _through_proxy(guest, tls_dir, path: str, token: str | None = None) -> tuple[int, str]:
    """An HTTPS request from this machine to the guest's nginx, by Krill's
    name, verified against the proxy's certificate."""
    args = ["curl", "-sS", "--max-time", "30", "-o", "-", "-w", "\n%{http_code}",
            "--cacert", str(tls_dir / "krill.crt"), "--resolve", f"{KRILL_NAME}:443:[{guest.address6}]"]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    res = subprocess.run([*args, f"https://{KRILL_NAME}{path}"], capture_output=True, text=True, timeout=60)
    body, _, code = res.stdout.rpartition("\n")
    # No HTTP answer at all (code 000): curl's own error instead.
    return int(code), body if res.returncode == 0 else res.stderr


def test_nginx_in_the_guest_proxies_krills_api_over_https(guest, krill, krill_info, krill_proxy, tls_dir):
    # nginx takes a few seconds to start in the emulated guest: until then
    # the connection is refused.
    deadline, (code, body) = time.monotonic() + 120, (0, "")
    while time.monotonic() < deadline:
        code, body = _through_proxy(guest, tls_dir, "/stats/info")
        if code == 200:
            break
        time.sleep(3)
    assert code == 200, body
    info = json.loads(body)
    # The same Krill krillc asked inside the guest: its version and start.
    assert info == krill_info, (info, krill_info)
    assert info["version"].startswith("0.16.")

    # Krill's API behind the proxy: its list of CAs (none yet) for the admin
    # token, and its own refusal, in its own words, without one.
    code, body = _through_proxy(guest, tls_dir, "/api/v1/cas", token=krill.token)
    assert (code, json.loads(body)) == (200, {"cas": []}), body
    code, body = _through_proxy(guest, tls_dir, "/api/v1/cas")
    assert code == 403 and json.loads(body)["label"] == "api-insufficient-rights", (code, body)
