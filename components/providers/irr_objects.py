"""IrrObjects: RPSL objects kept in an IRRd registry through its HTTP
submission API (`/v1/submit/`), as a delta.

- create/update POST only the objects the registry does not hold as wanted,
  and DELETE the objects dropped from the wanted list;
- diff asks the registry for each object (`!m` over `/v1/whois/`): one
  changed or deleted behind the stack's back is drift, put back by `up`;
- the maintainer password (or, for the registry's own seed objects in the
  lab, its override) is a secret input: it travels in the request body on
  stdin of an SSH session, never on a command line or in an error.

The API is reached with curl on `via` (the registry host itself in the lab:
IRRd answers on its loopback), or from this machine when `via` is None.
IRRd answers 200 even when objects fail; the summary says which.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from ..render.env import sh_word
from ..render.rpsl import RpslObject, drifted, parse_object
from .ssh import HostKeyMismatch, RemoteCommandError, is_gone, run

TIMEOUT_S = 60


class IrrSubmissionError(RuntimeError):
    pass


def _http(props, method: str, path: str, body: str | None = None) -> tuple[int, str]:
    url = props["url"].rstrip("/") + path
    via = props.get("via")
    if via:
        # The status code is the last line; the body is everything before it.
        cmd = (f"curl -sS --max-time {TIMEOUT_S} -X {method} -w '\\n%{{http_code}}' "
               + ("-H 'Content-Type: application/json' --data-binary @- " if body is not None else "")
               + sh_word(url))
        out, _ = run(via, cmd, body, TIMEOUT_S + 10)
        text, _, code = out.rpartition("\n")
        return int(code), text
    req = urllib.request.Request(url, data=body.encode() if body is not None else None, method=method,
                                 headers={"Content-Type": "application/json"} if body is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as res:  # noqa: S310 (the user's registry URL)
            return res.status, res.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def wait_ready(props, timeout: float = 240) -> None:
    """IRRd answers only once its workers are up: a registry just started
    (the lab's, in the same `up`) is waited for, with its last answer."""
    import time

    deadline, last = time.monotonic() + timeout, ""
    while True:
        try:
            code, text = _http(props, "GET", "/v1/whois/?q=!v")
            if code == 200:
                return
            last = f"HTTP {code}: {text[:200]}"
        except RemoteCommandError as err:
            if "cannot reach" in str(err) or isinstance(err, HostKeyMismatch):
                raise
            last = str(err)[-300:]
        except OSError as err:
            last = str(err)
        if time.monotonic() > deadline:
            raise IrrSubmissionError(f"the registry at {props['url']} did not answer in {timeout:.0f} s: {last}")
        time.sleep(2)


def held(props, obj: RpslObject) -> RpslObject | None:
    """The object as the registry holds it now, or None."""
    q = urllib.parse.quote(f"!m{obj.object_class},{obj.key}", safe="")
    code, text = _http(props, "GET", f"/v1/whois/?q={q}")
    if code == 204 or (code == 200 and not text.strip()):
        return None
    if code != 200:
        raise IrrSubmissionError(f"the registry at {props['url']} answered {code} to a query for {obj.ident}: "
                                 f"{text[:300]}")
    return parse_object(text)


def submit(props, method: str, objects: list[RpslObject], auth: dict) -> None:
    if not objects:
        return
    body = {"objects": [{"object_text": o.text} for o in objects], **auth}
    if method == "DELETE":
        body["delete_reason"] = "removed from the stack's config by personal-as"
    code, text = _http(props, method, "/v1/submit/", json.dumps(body))
    if code != 200:
        raise IrrSubmissionError(f"the registry at {props['url']} answered {method} with HTTP {code}: {text[:500]}")
    answer = json.loads(text)
    failed = [o for o in answer.get("objects", []) if not o.get("successful")]
    if answer.get("summary", {}).get("failed") or failed:
        lines = [f"{o.get('object_class')} {o.get('rpsl_pk')}: {'; '.join(o.get('error_messages') or [])}"
                 for o in failed]
        raise IrrSubmissionError(f"the registry refused {len(failed)} object(s) ({method}):\n  " + "\n  ".join(lines))


def _auth(props, olds: dict | None = None) -> dict:
    if props.get("override"):
        return {"override": props["override"]}
    # After a password change the registry still holds the old hash: the
    # update that replaces it authenticates with the old password.
    passwords = list(props.get("passwords") or [])
    passwords += [p for p in (olds or {}).get("passwords") or [] if p not in passwords]
    return {"passwords": passwords}


def _wanted(props) -> list[RpslObject]:
    return [parse_object(t) for t in props["objects"]]


class _IrrObjectsProvider(ResourceProvider):
    def _apply(self, props, olds: dict | None) -> dict:
        wait_ready(props)
        wanted = _wanted(props)
        keys = {o.ident for o in wanted}
        stale = [parse_object(t) for t in (olds or {}).get("objects", [])]
        # Delete first (routes before what they reference), with the text
        # the registry holds: IRRd matches a deletion against it.
        gone = [h for h in (held(props, o) for o in reversed(stale) if o.ident not in keys) if h]
        submit(props, "DELETE", gone, _auth(props, olds))
        # An object whose text the config changed is sent even when the
        # registry's answer looks the same: a new password hash is hidden
        # in every answer ("BCRYPT-PW # Filtered").
        before = set((olds or {}).get("objects") or [])
        missing = []
        for obj in wanted:
            current = held(props, obj)
            if drifted(obj, current) or (olds is not None and obj.text not in before):
                missing.append((obj, current is None))
        # A registry takes a new maintainer only from its administrator:
        # where the stack is that (the lab), the override creates it once.
        new_mntners = [o for o, new in missing if new and o.object_class == "mntner"]
        if new_mntners and props.get("new_maintainer_override"):
            first = [o for o, _ in missing if o.object_class in ("mntner", "person", "role")]
            submit(props, "POST", first, {"override": props["new_maintainer_override"]})
            missing = [(o, n) for o, n in missing if o not in first]
        elif new_mntners and not props.get("override"):
            names = ", ".join(o.key for o in new_mntners)
            raise IrrSubmissionError(
                f"the registry has no maintainer {names}, and registries create maintainers only by hand: "
                "create it (and its admin-c person) in the registry's web interface first, with the hash from "
                "the stack output irr_objects, then run `pulumi up` again")
        submit(props, "POST", [o for o, _ in missing], _auth(props, olds))
        return {**props, "keys": sorted(keys)}

    def create(self, props):
        return CreateResult(id_=uuid.uuid4().hex, outs=self._apply(props, None))

    def update(self, _id, olds, news):
        return UpdateResult(outs=self._apply(news, olds))

    def diff(self, _id, olds, news):
        changed = [k for k in ("objects", "url", "via") if olds.get(k) != news.get(k)]
        known = isinstance(news.get("objects"), list) and all(isinstance(t, str) for t in news["objects"])
        if not changed and known and (not news.get("via") or isinstance(news["via"], dict)):
            try:
                for obj in _wanted(news):
                    if drifted(obj, held(news, obj)):
                        changed.append(f"registry:{obj.ident}")
            except HostKeyMismatch:
                raise
            except (RemoteCommandError, IrrSubmissionError, OSError) as err:
                if "cannot reach" in str(err):
                    raise
                changed.append("registry")
        return DiffResult(changes=bool(changed) or not known, replaces=[])

    def delete(self, _id, props):
        if props.get("keep_on_delete"):
            # A maintainer is made only by the registry's administrator: the
            # stack never deletes one it could not make again.
            return
        try:
            objs = [h for h in (held(props, o) for o in reversed(_wanted(props))) if h]
            submit(props, "DELETE", objs, _auth(props))
        except RemoteCommandError as err:
            # The registry host is gone already (a destroyed lab): nothing to delete.
            if "cannot reach" not in str(err):
                raise


class IrrObjects(Resource, module="irr", name="IrrObjects"):
    """`objects` (RPSL texts) kept in the registry whose API is at `url`."""

    def __init__(self, name: str, url: str, objects: pulumi.Input[list[str]], *,
                 via: pulumi.Input[dict] | None = None, passwords: pulumi.Input[list[str]] | None = None,
                 override: pulumi.Input[str] | None = None, new_maintainer_override: pulumi.Input[str] | None = None,
                 keep_on_delete: bool = False, opts: pulumi.ResourceOptions | None = None):
        secrets = ["passwords", "override", "new_maintainer_override", "via", "objects"]
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secrets))
        # Secret as inputs too: the state keeps inputs beside outputs.
        def secret(value):
            return None if value is None else pulumi.Output.secret(value)
        super().__init__(_IrrObjectsProvider(), name, {
            "url": url, "via": via, "objects": objects, "passwords": secret(passwords), "override": secret(override),
            "new_maintainer_override": secret(new_maintainer_override), "keep_on_delete": keep_on_delete,
            "keys": None,
        }, opts)
