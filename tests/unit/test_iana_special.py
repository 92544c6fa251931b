"""Every block IANA's special-purpose registries set aside (vendored, dated,
in components/config/iana_special.py) is refused as a prefix, as route0 and
as a blackhole address, in the lab and in prod; documentation space only
outside a lab world. Neighbours may be special (Vultr's is link-local)."""

from __future__ import annotations

import ipaddress

import pytest

from components.config import ConfigError, validate
from components.config.iana_special import DOCUMENTATION, IPV4, IPV6, REGISTRY_DATE
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, with_change
from tests.unit.test_config_prod_path import PROD_SECRETS, filled

SPECIAL = [block for block, _, _ in IPV4 + IPV6]


def first_address(block: str) -> str:
    net = ipaddress.ip_network(block)
    return str(net.network_address + (1 if net.num_addresses > 2 else 0))


def refused(raw, secrets, key: str, lab: bool) -> str:
    with pytest.raises(ConfigError) as err:
        validate(raw, secrets, check_files=False, placeholders_ok=lab)
    lines = [p for p in err.value.problems if p.startswith(f"personal-as:{key}")]
    assert lines, err.value.problems
    return lines[0]


def test_the_vendored_registries_say_when_and_where_from():
    assert REGISTRY_DATE == "2026-12-04" and len(IPV4) >= 20 and len(IPV6) >= 20
    from components.config import iana_special

    assert "iana-ipv4-special-registry" in iana_special.__doc__ and "iana-ipv6-special-registry" in iana_special.__doc__


@pytest.mark.parametrize("block", SPECIAL)
@pytest.mark.parametrize("world", ["lab", "prod"])
def test_a_special_purpose_block_is_refused_as_a_prefix_route0_and_blackhole(block, world):
    base, secrets = (LAB_RAW, LAB_SECRETS) if world == "lab" else (filled(), PROD_SECRETS)
    lab = world == "lab"
    net = ipaddress.ip_network(block)
    prefix = str(net.supernet(new_prefix=min(net.prefixlen, 48 if net.version == 6 else 24))
                 if net.prefixlen > (48 if net.version == 6 else 24) else net)
    line = refused(with_change(base, ("prefixes",), [*base["prefixes"], prefix]), secrets, "prefixes", lab)
    assert "overlaps" in line or "inside" in line or "outside 2000::/3" in line, line
    address = first_address(block)
    assert "route0" in refused(with_change(base, ("route0",), address), secrets, "route0", lab)
    line = refused(with_change(base, ("blackhole",), [address]), secrets, "blackhole", lab)
    assert address in line and ("inside" in line or "outside 2000::/3" in line), line


@pytest.mark.parametrize("block", [b for b, _, _ in DOCUMENTATION])
def test_documentation_space_is_the_lab_worlds_only(block):
    address = first_address(block)
    line = refused(with_change(filled(), ("route0",), address), PROD_SECRETS, "route0", False)
    assert "documentation" in line and "lab world" in line, line


def test_a_neighbour_may_be_link_local_as_vultrs_is():
    raw = with_change(filled(), ("upstreams", 0, "neighbor"), "169.254.169.254")
    raw = with_change(raw, ("upstreams", 0, "asn"), 64515)
    raw = with_change(raw, ("upstreams", 0, "path_asn"), 20473)
    validate(raw, PROD_SECRETS, check_files=False)
