"""home: the user's own Krill, reachable only through nginx over TLS."""

from __future__ import annotations

import hashlib
import re


def test_krill_listens_on_localhost_only(home):
    listening = home.check_output("ss -Htln")
    krill_lines = [line for line in listening.splitlines() if re.search(r":3000\s", line)]
    assert krill_lines, "krill is not listening"
    assert all("127.0.0.1:3000" in line for line in krill_lines), krill_lines


def test_krill_is_healthy_through_the_tls_proxy_with_a_certificate_from_the_stack_ca(home):
    # No -k: the certificate must verify against the stack's CA for its name.
    res = home.run("curl -fsS -m 5 -o /dev/null -w '%{http_code}' --resolve krill.home.lab:443:127.0.0.1 "
                   "--cacert /etc/nginx/tls/ca.crt https://krill.home.lab/health")
    assert res.rc == 0 and res.stdout == "200", res.stderr


def test_plain_http_redirects_to_https(home):
    out = home.check_output("curl -sS -m 5 -o /dev/null -w '%{http_code} %{redirect_url}' http://127.0.0.1/")
    assert out.startswith("301 https://")


def test_firewall_leaves_only_ssh_and_https(home):
    rules = home.check_output("nft list table inet personal_as")
    assert "policy drop" in rules
    assert re.search(r"tcp dport \{?\s*443\s*\}? accept", rules)
    assert "dport 3000" not in rules and "dport 80 " not in rules


def test_krill_conf_is_readable_only_by_krill(home):
    conf = home.file("/etc/krill/krill.conf")
    assert conf.mode == 0o600
    assert conf.user == "krill"


def test_tls_key_is_private(home):
    assert home.file("/etc/nginx/tls/krill.key").mode == 0o600


TOKEN_ON_HOST = "sed -n 's/^admin_token = \"\\(.*\\)\"$/\\1/p' /etc/krill/krill.conf"


def test_api_refuses_requests_without_the_token(home):
    res = home.run("curl -sk -m 5 -o /dev/null -w '%{http_code}' https://127.0.0.1/api/v1/authorized")
    assert res.stdout in ("401", "403")


def test_admin_token_logs_in_through_the_proxy(home):
    # The token is read on home itself, so it never travels on a command line.
    res = home.run(f"printf 'Authorization: Bearer %s\\n' \"$({TOKEN_ON_HOST})\" | "
                   "curl -sk -m 5 -o /dev/null -w '%{http_code}' -H @- https://127.0.0.1/api/v1/authorized")
    assert res.stdout == "200", res.stderr


def test_token_on_home_is_the_stacks_secret(home):
    from tests.infra.stack import outputs

    expected = hashlib.sha256(outputs()["krill_admin_token"].encode()).hexdigest()
    assert home.check_output(f"{TOKEN_ON_HOST} | tr -d '\\n' | sha256sum").split()[0] == expected
