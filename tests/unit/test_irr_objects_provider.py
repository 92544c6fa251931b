"""The IrrObjects provider's delta against a stand-in IRRd (its HTTP API,
in process): only what the registry lacks is sent, drift is a diff, a
dropped object is deleted, and a maintainer is never made or removed
behind a registry administrator's back. The real IRRd is the lab tier's."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from components.providers import irr_objects
from components.providers.irr_objects import IrrSubmissionError, _IrrObjectsProvider
from components.render.rpsl import parse_object

MNTNER = ("mntner:         PERSONAL-MNT\nadmin-c:        LO1-LAB\nupd-to:         noc@example.net\n"
          "auth:           BCRYPT-PW $2b$12$first\nmnt-by:         PERSONAL-MNT\nsource:         LAB\n")
ROUTE = "route6:         2001:db8:100::/48\norigin:         AS65536\nmnt-by:         PERSONAL-MNT\nsource:         LAB\n"
AUTNUM = "aut-num:        AS65536\nas-name:        PERSONAL-AS\nmnt-by:         PERSONAL-MNT\nsource:         LAB\n"


class StandInRegistry:
    """IRRd's /v1/whois/?q=!m and /v1/submit/, with its maintainer rule."""

    def __init__(self):
        self.objects: dict[str, str] = {}
        self.submissions: list[tuple[str, list[str], dict]] = []

    def __call__(self, props, method, path, body=None):
        if path.startswith("/v1/whois/"):
            q = urllib.parse.unquote(path.split("q=", 1)[1])
            if q == "!v":
                return 200, "IRRd 4.5.4"
            text = self.objects.get(q[2:].upper())
            # IRRd hides hashes and adds its own attribute.
            return (200, text.replace("$2b$12$first", "# Filtered") + "last-modified:  2026-11-29T00:00:00Z\n") \
                if text else (204, "")
        req = json.loads(body)
        texts = [o["object_text"] for o in req["objects"]]
        auth = {k: req[k] for k in ("passwords", "override") if k in req}
        self.submissions.append((method, [parse_object(t).ident for t in texts], auth))
        results = []
        for t in texts:
            obj = parse_object(t)
            ok, errors = True, []
            if method == "POST" and obj.object_class == "mntner" and obj.ident.upper() not in self.objects \
                    and "override" not in req:
                ok, errors = False, ["New mntner objects must be added by an administrator."]
            if ok:
                if method == "DELETE":
                    self.objects.pop(obj.ident.upper(), None)
                else:
                    self.objects[obj.ident.upper()] = t
            results.append({"successful": ok, "object_class": obj.object_class, "rpsl_pk": obj.key,
                            "error_messages": errors})
        failed = sum(not r["successful"] for r in results)
        return 200, json.dumps({"summary": {"failed": failed}, "objects": results})


@pytest.fixture
def registry(monkeypatch):
    reg = StandInRegistry()
    monkeypatch.setattr(irr_objects, "_http", reg)
    return reg


def props(objects, **extra):
    return {"url": "http://[::1]:8080", "via": None, "objects": objects, "passwords": ["the password"], **extra}


def test_a_new_maintainer_is_made_by_override_and_the_rest_under_the_password(registry):
    _IrrObjectsProvider().create(props([MNTNER, AUTNUM, ROUTE], new_maintainer_override="override"))
    assert registry.submissions == [
        ("POST", ["mntner,PERSONAL-MNT"], {"override": "override"}),
        ("POST", ["aut-num,AS65536", "route6,2001:DB8:100::/48AS65536"], {"passwords": ["the password"]}),
    ]


def test_an_unchanged_registry_is_no_diff_and_gets_no_submission(registry):
    outs = _IrrObjectsProvider().create(props([MNTNER, ROUTE], new_maintainer_override="o")).outs
    registry.submissions.clear()
    assert _IrrObjectsProvider().diff("id", outs, props([MNTNER, ROUTE], new_maintainer_override="o")).changes is False
    _IrrObjectsProvider().update("id", outs, props([MNTNER, ROUTE], new_maintainer_override="o"))
    assert registry.submissions == []


def test_an_object_deleted_behind_the_stacks_back_is_a_diff_and_only_it_is_put_back(registry):
    outs = _IrrObjectsProvider().create(props([MNTNER, AUTNUM, ROUTE], new_maintainer_override="o")).outs
    del registry.objects["ROUTE6,2001:DB8:100::/48AS65536"]
    registry.submissions.clear()
    news = props([MNTNER, AUTNUM, ROUTE], new_maintainer_override="o")
    assert _IrrObjectsProvider().diff("id", outs, news).changes is True
    _IrrObjectsProvider().update("id", outs, news)
    assert registry.submissions == [("POST", ["route6,2001:DB8:100::/48AS65536"], {"passwords": ["the password"]})]


def test_an_object_dropped_from_config_is_deleted(registry):
    outs = _IrrObjectsProvider().create(props([AUTNUM, ROUTE], override="o")).outs
    _IrrObjectsProvider().update("id", outs, props([AUTNUM], override="o"))
    assert "ROUTE6,2001:DB8:100::/48AS65536" not in registry.objects
    assert registry.submissions[-1][0] == "DELETE"


def test_without_the_maintainer_the_error_says_to_create_it_by_hand_first(registry):
    with pytest.raises(IrrSubmissionError, match="create it .* in the registry's web interface first"):
        _IrrObjectsProvider().create(props([MNTNER, ROUTE]))
    assert registry.submissions == []


def test_a_new_password_hash_is_sent_though_the_registry_hides_hashes_with_the_old_password_too(registry):
    outs = _IrrObjectsProvider().create(props([MNTNER], new_maintainer_override="o")).outs
    registry.submissions.clear()
    changed = MNTNER.replace("$2b$12$first", "$2b$12$second")
    _IrrObjectsProvider().update("id", outs, {**props([changed]), "passwords": ["new password"]})
    assert registry.submissions == [("POST", ["mntner,PERSONAL-MNT"], {"passwords": ["new password", "the password"]})]


def test_a_refusal_names_the_objects_and_never_the_password(registry, monkeypatch):
    def refuse(props_, method, path, body=None):
        if path.startswith("/v1/whois/"):
            return (200, "x") if "!v" in path else (204, "")
        return 200, json.dumps({"summary": {"failed": 1}, "objects": [
            {"successful": False, "object_class": "route6", "rpsl_pk": "2001:DB8:100::/48AS65536",
             "error_messages": ["Authorisation for route6 2001:DB8:100::/48AS65536 failed"]}]})
    monkeypatch.setattr(irr_objects, "_http", refuse)
    with pytest.raises(IrrSubmissionError) as err:
        _IrrObjectsProvider().create(props([ROUTE]))
    assert "route6 2001:DB8:100::/48AS65536: Authorisation" in str(err.value)
    assert "the password" not in str(err.value)


def test_a_maintainer_is_kept_when_its_resource_is_deleted(registry):
    outs = _IrrObjectsProvider().create(props([MNTNER], new_maintainer_override="o", keep_on_delete=True)).outs
    _IrrObjectsProvider().delete("id", outs)
    assert "MNTNER,PERSONAL-MNT" in registry.objects
