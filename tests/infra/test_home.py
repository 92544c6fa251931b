"""home: the user's own Krill, reachable only through nginx over TLS."""

from __future__ import annotations

import hashlib
import ipaddress
import re

import pytest

from tests.infra.stack import config


def test_krill_listens_on_localhost_only_at_its_configured_port(home, cfg):
    port = cfg.krill.port
    krill_lines = [line for line in home.check_output("ss -Htln").splitlines() if re.search(rf":{port}\s", line)]
    assert krill_lines, f"nothing listens on {port}"
    assert all(f"127.0.0.1:{port}" in line for line in krill_lines), krill_lines
    # And it is Krill that answers there (a lab host's ss cannot name a
    # process of another container's PID namespace).
    assert home.run(f"curl -fsSk -m 5 https://127.0.0.1:{port}/health").rc == 0


def test_krill_is_healthy_through_the_tls_proxy_with_a_verified_certificate(home, cfg):
    # No -k: the certificate must verify for its public name, at the proxy's
    # configured port: against the ACME CA's root in home's trust store, or
    # against the stack's own CA.
    name, port = cfg.krill.public_name, cfg.krill.proxy.https_port
    ca = "" if cfg.krill_by_acme else "--cacert /etc/nginx/tls/ca.crt"
    res = home.run(f"curl -fsS -m 5 -o /dev/null -w '%{{http_code}}' --resolve {name}:{port}:127.0.0.1 "
                   f"{ca} https://{name}:{port}/health")
    assert res.rc == 0 and res.stdout == "200", res.stderr


def test_plain_http_redirects_to_https_where_the_proxy_has_a_port_80(home, cfg):
    proxy = cfg.krill.proxy
    if proxy.http_port is None:
        # The box's :80 belongs to another server: the proxy must not hold it.
        assert not any(f":{80} " in line and "nginx" in line for line in home.check_output("ss -Htlnp").splitlines())
        return
    out = home.check_output(f"curl -sS -m 5 -o /dev/null -w '%{{http_code}} %{{redirect_url}}' "
                            f"http://127.0.0.1:{proxy.http_port}/")
    assert out.startswith("301 https://")


def test_the_tls_proxy_listens_only_where_config_says(home, cfg):
    proxy = cfg.krill.proxy
    ports = {proxy.https_port} | ({proxy.http_port} if proxy.http_port else set())
    wanted = {ipaddress.ip_address(a) for a in proxy.listen}
    for line in home.check_output("ss -Htlnp").splitlines():
        if '"nginx"' not in line:
            continue
        local = line.split()[3]
        address, _, port = local.rpartition(":")
        if int(port) in ports:
            assert ipaddress.ip_address(address.strip("[]").split("%")[0]) in wanted, line


@pytest.mark.skipif(not config().faces_lab, reason="needs a lab host beside home to knock from")
def test_krill_port_is_closed_to_other_hosts_but_the_box_keeps_its_own_services(home, rir, plan, cfg):
    """home has other jobs: its table accepts by default and closes only
    Krill's own port. From rir, a SYN to it is dropped (a timeout, not a
    refusal), while a port the stack never touched is refused by the kernel
    as usual (nothing listens there) rather than dropped."""
    rules = home.check_output("nft list table inet personal_as")
    assert "policy accept" in rules
    home6 = next(a.split("/")[0] for i, a in plan.addresses_of("home") if i == "eth-rir")
    assert rir.run(f"timeout 4 bash -c '</dev/tcp/{home6}/{cfg.krill.port}'").rc == 124
    refused = rir.run(f"timeout 4 bash -c '</dev/tcp/{home6}/9'")
    assert refused.rc == 1, (refused.rc, refused.stderr)


@pytest.mark.skipif(not (config().faces_lab and config().krill.proxy.allow_from),
                    reason="needs krill.proxy.allow_from and lab hosts in and out of it")
def test_the_krill_proxy_answers_only_hosts_in_allow_from(home, acme, client, plan, cfg):
    """krill.proxy.allow_from, on the wire: the lab's ACME CA (in it) gets
    the proxy's answer on its LAN address; the lab's client (outside it)
    gets nothing back, its SYNs dropped by home's firewall (a timeout, not
    a refusal)."""
    address = next(a for a in cfg.krill.proxy.listen if not ipaddress.ip_address(a).is_loopback)
    url = f"http://[{address}]:{cfg.krill.proxy.http_port or cfg.krill.proxy.https_port}/"
    assert any(ipaddress.ip_address(a.split("/")[0]) in ipaddress.ip_network(p)
               for _, a in plan.addresses_of("acme") for p in cfg.krill.proxy.allow_from)
    res = acme.run(f"curl -sS -m 5 -o /dev/null -w '%{{http_code}}' {url}")
    assert res.rc == 0 and res.stdout in ("200", "301", "302", "404"), (res.rc, res.stdout, res.stderr)
    blocked = client.run(f"curl -sS -m 4 -o /dev/null {url}")
    assert blocked.rc == 28, (blocked.rc, blocked.stderr)  # timed out: dropped, not refused


def test_krill_conf_is_readable_only_by_krill(home):
    conf = home.file("/etc/krill/krill.conf")
    assert conf.mode == 0o600
    assert conf.user == "krill"


def test_tls_key_is_private(home):
    assert home.file("/etc/nginx/tls/krill.key").mode == 0o600


TOKEN_ON_HOST = "sed -n 's/^admin_token = \"\\(.*\\)\"$/\\1/p' /etc/krill/krill.conf"


def test_api_refuses_requests_without_the_token(home, cfg):
    port = cfg.krill.proxy.https_port
    res = home.run(f"curl -sk -m 5 -o /dev/null -w '%{{http_code}}' https://127.0.0.1:{port}/api/v1/authorized")
    assert res.stdout in ("401", "403")


def test_admin_token_logs_in_through_the_proxy(home, cfg):
    # The token is read on home itself, so it never travels on a command line.
    port = cfg.krill.proxy.https_port
    res = home.run(f"printf 'Authorization: Bearer %s\\n' \"$({TOKEN_ON_HOST})\" | "
                   f"curl -sk -m 5 -o /dev/null -w '%{{http_code}}' -H @- https://127.0.0.1:{port}/api/v1/authorized")
    assert res.stdout == "200", res.stderr


def test_token_on_home_is_the_stacks_secret(home):
    from tests.infra.stack import outputs

    expected = hashlib.sha256(outputs()["krill_admin_token"].encode()).hexdigest()
    assert home.check_output(f"{TOKEN_ON_HOST} | tr -d '\\n' | sha256sum").split()[0] == expected
