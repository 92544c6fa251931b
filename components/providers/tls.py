"""The lab's own certificate authority and the certificates it issues.

A real deployment would use its own CA or ACME; the lab needs HTTPS between
its own hosts (Krill UI, RRDP) at names only the lab resolves.
"""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider


def _pem_key(key) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _pem_cert(cert) -> str:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _build(subject: str, issuer_name, public_key, signing_key, days: int, ca: bool, names: list[str]):
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name or name)
         .public_key(public_key).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True))
    if names:
        sans = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(signing_key, hashes.SHA256())


class _CaProvider(ResourceProvider):
    def create(self, props):
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        cert = _build(props["common_name"], None, key.public_key(), key, 3650, True, [])
        return CreateResult(id_=props["common_name"], outs={**props, "cert_pem": _pem_cert(cert), "key_pem": _pem_key(key)})

    def diff(self, _id, olds, news):
        changed = olds.get("common_name") != news.get("common_name")
        return DiffResult(changes=changed, replaces=["common_name"] if changed else [])


class LabCa(Resource, module="tls", name="LabCa"):
    cert_pem: pulumi.Output[str]
    key_pem: pulumi.Output[str]

    def __init__(self, name: str, common_name: str, opts: pulumi.ResourceOptions | None = None):
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["key_pem"]))
        super().__init__(_CaProvider(), name, {"common_name": common_name, "cert_pem": None, "key_pem": None}, opts)


class _CertProvider(ResourceProvider):
    def create(self, props):
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        ca_cert = x509.load_pem_x509_certificate(props["ca_cert_pem"].encode())
        ca_key = serialization.load_pem_private_key(props["ca_key_pem"].encode(), None)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _build(props["names"][0], ca_cert.subject, key.public_key(), ca_key, 825, False, props["names"])
        return CreateResult(id_=props["names"][0], outs={**props, "cert_pem": _pem_cert(cert), "key_pem": _pem_key(key)})

    def diff(self, _id, olds, news):
        keys = [k for k in ("names", "ca_cert_pem") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(keys), replaces=keys)


class LabCertificate(Resource, module="tls", name="Certificate"):
    cert_pem: pulumi.Output[str]
    key_pem: pulumi.Output[str]

    def __init__(self, name: str, ca: LabCa, names: list[str], opts: pulumi.ResourceOptions | None = None):
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["key_pem", "ca_key_pem"])
        )
        super().__init__(_CertProvider(), name, {
            "names": names, "ca_cert_pem": ca.cert_pem, "ca_key_pem": ca.key_pem, "cert_pem": None, "key_pem": None,
        }, opts)
