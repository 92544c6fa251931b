"""Secrets the stack makes itself: SSH key pairs and random tokens.

They live only in the Pulumi state, where additional_secret_outputs keeps
them encrypted, and in the files on hosts that need them.
"""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider


class _KeyPairProvider(ResourceProvider):
    def create(self, props):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        ).decode()
        public = key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ).decode() + f" {props['comment']}"
        return CreateResult(id_=props["comment"], outs={**props, "private_key": private, "public_key": public})

    def diff(self, _id, olds, news):
        changed = olds.get("comment") != news.get("comment")
        return DiffResult(changes=changed, replaces=["comment"] if changed else [])


class SshKeyPair(Resource, module="ssh", name="KeyPair"):
    """An ed25519 key pair; the private half is a secret output."""

    private_key: pulumi.Output[str]
    public_key: pulumi.Output[str]

    def __init__(self, name: str, comment: str, opts: pulumi.ResourceOptions | None = None):
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["private_key"]))
        super().__init__(_KeyPairProvider(), name, {"comment": comment, "private_key": None, "public_key": None}, opts)


class _TokenProvider(ResourceProvider):
    def create(self, props):
        import secrets

        return CreateResult(id_=props["purpose"], outs={**props, "value": secrets.token_hex(int(props["bytes"]))})

    def diff(self, _id, olds, news):
        keys = [k for k in ("purpose", "bytes") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(keys), replaces=keys)


class RandomToken(Resource, module="random", name="Token"):
    """A random hex token made once and kept (encrypted) in the state."""

    value: pulumi.Output[str]

    def __init__(self, name: str, purpose: str, nbytes: int = 24, opts: pulumi.ResourceOptions | None = None):
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["value"]))
        super().__init__(_TokenProvider(), name, {"purpose": purpose, "bytes": nbytes, "value": None}, opts)


class _EcKeyProvider(ResourceProvider):
    def create(self, props):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        # SEC1 ("EC PRIVATE KEY"): the PEM form ACME clients (lego) load.
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
        return CreateResult(id_=props["purpose"], outs={**props, "private_key": pem})

    def diff(self, _id, olds, news):
        changed = olds.get("purpose") != news.get("purpose")
        return DiffResult(changes=changed, replaces=["purpose"] if changed else [])


class EcPrivateKey(Resource, module="tls", name="EcPrivateKey"):
    """A P-256 private key made once and kept (encrypted) in the state: an
    ACME account key."""

    private_key: pulumi.Output[str]

    def __init__(self, name: str, purpose: str, opts: pulumi.ResourceOptions | None = None):
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["private_key"]))
        super().__init__(_EcKeyProvider(), name, {"purpose": purpose, "private_key": None}, opts)
