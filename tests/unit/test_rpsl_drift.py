"""What the stack calls drift in a registry object: a changed or missing
attribute is; what a registry adds or hides on its own is not."""

from components.render.rpsl import drifted, parse_object, split_objects

WANTED = parse_object(
    "route6:         2001:db8:100::/48\norigin:         AS65536\nmnt-by:         PERSONAL-MNT\nsource:         LAB\n")
MNTNER = parse_object(
    "mntner:         PERSONAL-MNT\nadmin-c:        LO1-LAB\nupd-to:         noc@example.net\n"
    "auth:           BCRYPT-PW $2b$12$abcdefghijklmnopqrstuv\nmnt-by:         PERSONAL-MNT\nsource:         LAB\n")


def test_the_registrys_own_padding_case_and_timestamps_are_not_drift():
    held = parse_object("route6: 2001:DB8:100::/48\norigin:   AS65536\nmnt-by: PERSONAL-MNT\nsource: LAB\n"
                        "last-modified:  2026-11-29T23:00:00Z\n")
    assert not drifted(WANTED, held)


def test_a_hidden_password_hash_is_not_drift_but_another_scheme_is():
    shown = MNTNER.text.replace("BCRYPT-PW $2b$12$abcdefghijklmnopqrstuv", "BCRYPT-PW # Filtered")
    assert not drifted(MNTNER, parse_object(shown))
    assert drifted(MNTNER, parse_object(shown.replace("BCRYPT-PW", "MD5-PW")))


def test_a_missing_object_or_a_changed_attribute_is_drift():
    assert drifted(WANTED, None)
    assert drifted(WANTED, parse_object(WANTED.text.replace("AS65536", "AS64512")))
    assert drifted(WANTED, parse_object(WANTED.text + "remarks:        added by someone else\n"))


def test_keys_are_irrds_and_blocks_split_on_blank_lines():
    assert WANTED.key == "2001:DB8:100::/48AS65536" and WANTED.ident == "route6,2001:DB8:100::/48AS65536"
    assert [o.object_class for o in split_objects(MNTNER.text + "\n" + WANTED.text)] == ["mntner", "route6"]
