"""A bcrypt hash of a secret password, made once and kept.

A registry's mntner carries the hash (BCRYPT-PW), never the password. bcrypt
salts every hash anew, so hashing at each run would make every preview a
change; here the hash changes only when the password does (checked against
the kept hash, not compared as text).
"""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

# RIPE's and IRRd's usual cost; IRRd 4.5.4 refuses more than 16.
ROUNDS = 12


def _hash(password: str) -> str:
    import bcrypt

    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(ROUNDS)).decode()


class _HashProvider(ResourceProvider):
    def create(self, props):
        import uuid

        return CreateResult(id_=uuid.uuid4().hex, outs={**props, "hash": _hash(props["password"])})

    def diff(self, _id, olds, news):
        import bcrypt

        password, kept = news.get("password"), olds.get("hash")
        if not isinstance(password, str) or not isinstance(kept, str):
            return DiffResult(changes=True)
        same = bcrypt.checkpw(password.encode(), kept.encode())
        return DiffResult(changes=not same)

    def update(self, _id, _olds, news):
        return UpdateResult(outs={**news, "hash": _hash(news["password"])})


class PasswordHash(Resource, module="irr", name="PasswordHash"):
    hash: pulumi.Output[str]

    def __init__(self, name: str, password: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None):
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["password", "hash"]))
        super().__init__(_HashProvider(), name, {"password": pulumi.Output.secret(password), "hash": None}, opts)
