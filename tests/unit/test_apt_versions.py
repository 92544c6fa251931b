"""Whether an image is behind Debian's security archive: Debian's version
order (checked against dpkg itself), a Packages index read, and an image
whose recorded versions are older than the archive's is behind, one that is
current is not."""

from __future__ import annotations

import itertools
import subprocess

import pytest

from components.render.apt_versions import behind, compare_versions, parse_installed, parse_packages_index

VERSIONS = ["1.0", "1.0-1", "1.0-1+deb12u1", "1.0-1+deb12u2", "1.0-1~bpo12+1", "1.0~rc1-1", "1:0.9-1", "1.0a-1",
            "1.0.1-1", "1.00-1", "1.10-1", "1.9-1", "3.0.11-1~deb12u2", "3.0.15-1~deb12u1", "2.7.18-1",
            "0.16.1-1", "252.30-1~deb12u2", "252.33-1~deb12u1", "1.0+b1", "1.0-1.1", "2:1.0", "1:2:3-4"]


@pytest.mark.parametrize("a, b", list(itertools.combinations(VERSIONS, 2)))
def test_versions_are_ordered_as_dpkg_orders_them(a, b):
    def dpkg(op):
        return subprocess.run(["dpkg", "--compare-versions", a, op, b]).returncode == 0

    expected = -1 if dpkg("lt") else 1 if dpkg("gt") else 0
    assert compare_versions(a, b) == expected


# Two stanzas of one package (a point release and a security update), as an
# archive's index lists them, and one the image does not have.
INDEX = """Package: openssl
Version: 3.0.11-1~deb12u2
Architecture: amd64

Package: openssl
Version: 3.0.15-1~deb12u1
Architecture: amd64

Package: libssl3
Source: openssl
Version: 3.0.15-1~deb12u1

Package: bind9
Version: 1:9.18.33-1~deb12u2
"""
INSTALLED = "openssl 3.0.11-1~deb12u2\nlibssl3:amd64 3.0.11-1~deb12u2\nbash 5.2.15-2+b7\n"


def test_an_index_gives_each_packages_newest_version():
    assert parse_packages_index(INDEX) == {"openssl": "3.0.15-1~deb12u1", "libssl3": "3.0.15-1~deb12u1",
                                           "bind9": "1:9.18.33-1~deb12u2"}


def test_an_image_whose_versions_are_older_than_the_archives_is_behind():
    stale = behind(parse_installed(INSTALLED), parse_packages_index(INDEX))
    assert [str(b) for b in stale] == ["libssl3 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1",
                                       "openssl 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1"]


def test_an_image_that_has_the_archives_versions_is_not_behind():
    current = "openssl 3.0.15-1~deb12u1\nlibssl3:amd64 3.0.15-1~deb12u1\nbash 5.2.15-2+b7\n"
    assert behind(parse_installed(current), parse_packages_index(INDEX)) == []


# The DockerImage provider's decision, with the archive's index read from
# INDEX instead of the network.
DAY = 86400


@pytest.fixture
def archive(monkeypatch):
    from components.providers import apt_archive

    monkeypatch.setitem(apt_archive._CACHE, ("bookworm", "amd64"), parse_packages_index(INDEX))


def built(days_ago: float, installed: str = INSTALLED) -> dict:
    return {"built_at": 1_000 * DAY - days_ago * DAY, "packages": parse_installed(installed)}


NEWS = {"refresh_days": 7, "release": "bookworm", "platform": "linux/amd64"}


def test_an_image_older_than_refresh_days_with_fixes_in_the_archive_is_rebuilt(archive):
    from components.providers.docker_image import security_behind

    assert security_behind(built(8), NEWS, 1_000 * DAY) == ["libssl3 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1",
                                                             "openssl 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1"]


def test_an_image_younger_than_refresh_days_or_current_or_with_refresh_off_is_kept(archive):
    from components.providers.docker_image import security_behind

    assert security_behind(built(6), NEWS, 1_000 * DAY) == []
    current = "openssl 3.0.15-1~deb12u1\nlibssl3:amd64 3.0.15-1~deb12u1\n"
    assert security_behind(built(30, current), NEWS, 1_000 * DAY) == []
    assert security_behind(built(30), {**NEWS, "refresh_days": 0}, 1_000 * DAY) == []


def test_an_image_built_before_its_packages_were_recorded_is_rebuilt_once():
    from components.providers.docker_image import security_behind

    assert security_behind({"built_at": None, "packages": None}, NEWS, 1_000 * DAY)


def test_the_upgrade_layer_is_built_per_day_with_a_refresh_and_never_without():
    from components.providers.docker_image import refresh_stamp

    assert refresh_stamp({"refresh_days": 7}, 1_000 * DAY + 5) == refresh_stamp({"refresh_days": 7}, 1_000 * DAY + 80000)
    assert refresh_stamp({"refresh_days": 7}, 1_000 * DAY) != refresh_stamp({"refresh_days": 7}, 1_001 * DAY)
    assert refresh_stamp({"refresh_days": 0}, 1_000 * DAY) == refresh_stamp({}, 5) == "none"
