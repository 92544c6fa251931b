"""The `backup` section and the restore keys: refused at preview with the
key, the value and what would be valid."""

from __future__ import annotations

import pytest

from components.config import ConfigError, validate
from components.config.home_ports import home_bindings
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, assert_refused, with_change

BAD = [
    ("password-short", ("backup", "password"), "short", "personal-as:backup.password", "at least 12 characters"),
    ("target-not-a-url", ("backup", "target"), "my-nas", "personal-as:backup.target",
     "must be `vps` or a restic REST repository URL"),
    ("target-sftp", ("backup", "target"), "sftp:user@nas:/srv/restic", "personal-as:backup.target",
     "must be `vps` or a restic REST repository URL"),
    ("target-rest-without-host", ("backup", "target"), "rest:https:///x", "personal-as:backup.target",
     "with a host name"),
    ("target-rest-with-a-space", ("backup", "target"), "rest:https://nas/a b", "personal-as:backup.target",
     "percent-encoded"),
    ("interval-zero", ("backup", "interval_minutes"), 0, "personal-as:backup.interval_minutes",
     "greater than or equal to 1"),
    ("port-zero", ("backup", "port"), 0, "personal-as:backup.port", "TCP port"),
    ("restore-not-hex", ("krill", "restore_snapshot"), "latest", "personal-as:krill.restore_snapshot",
     "8 to 64 lowercase hex digits"),
    ("restore-too-short", ("krill", "restore_snapshot"), "4f2a9c", "personal-as:krill.restore_snapshot",
     "8 to 64 lowercase hex digits"),
    ("restore-with-a-newline", ("krill", "restore_snapshot"), "4f2a9c1e\n", "personal-as:krill.restore_snapshot",
     "8 to 64"),
    ("tunnel-port-is-prometheus", ("backup", "port"), 9090, "personal-as:backup.port",
     "is monitoring.ports.prometheus too"),
]


@pytest.mark.parametrize("path,value,key,words", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_backup_value_is_refused_at_preview(path, value, key, words):
    assert_refused(LAB_RAW, path, value, key, words)


def test_a_negative_retention_is_refused():
    with pytest.raises(ConfigError, match=r"personal-as:backup.keep.daily = -1: Input should be greater than or "
                                          r"equal to 0"):
        validate(with_change(LAB_RAW, ("backup", "keep"), {"daily": -1}), LAB_SECRETS, check_files=False)


def test_the_password_must_be_a_pulumi_secret():
    with pytest.raises(ConfigError, match=r"personal-as:backup.password.*must be a Pulumi secret: pulumi config set "
                                          r"--secret --path 'backup.password' -- <value>"):
        validate(LAB_RAW, LAB_SECRETS - {"backup"}, check_files=False)


def test_a_named_restore_needs_backups_and_is_not_a_new_ca():
    raw = with_change(with_change(LAB_RAW, ("krill", "restore_snapshot"), "4f2a9c1e"), ("backup",), None,
                      delete=True)
    with pytest.raises(ConfigError, match=r"personal-as:krill.restore_snapshot = '4f2a9c1e'.*nothing to restore it "
                                          r"from"):
        validate(raw, LAB_SECRETS, check_files=False)
    raw = with_change(with_change(LAB_RAW, ("krill", "restore_snapshot"), "4f2a9c1e"), ("krill", "new_ca"), True)
    with pytest.raises(ConfigError, match=r"personal-as:krill.new_ca = True.*keep one"):
        validate(raw, LAB_SECRETS, check_files=False)


def test_the_lab_backs_up_to_vps_hourly_keeping_a_year_and_binds_the_tunnel_on_homes_loopback():
    cfg = validate(LAB_RAW, LAB_SECRETS, check_files=False)
    assert cfg.backup is not None and cfg.backup.on_vps and cfg.backup.interval_minutes == 60
    assert (cfg.backup.keep.hourly, cfg.backup.keep.daily, cfg.backup.keep.monthly) == (24, 30, 12)
    tunnel = [b for b in home_bindings(cfg) if b.key == ("backup", "port")]
    assert [(b.port, b.addresses) for b in tunnel] == [(8765, ("127.0.0.1",))]
