"""The stack's own certificate authority and the certificates it issues.

HTTPS at names no public CA signs: the Krill proxy's name when its
certificate does not come by ACME, and in a lab world the lab's own hosts
(Krill UI, RRDP, the ACME CA's API) at names only the lab resolves.

The CA may sign only the names it is made for (X.509 name constraints,
critical): its key, kept in the state, can vouch for nothing else. A
certificate is made again once 2/3 of its life has passed, at the next
`up` (the engine's diff sees it), as an ACME client renews.
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


CERT_DAYS = 825
RENEW_AT = 2 / 3  # of a certificate's life


def _now():
    import datetime

    return datetime.datetime.now(datetime.timezone.utc)


def _build(subject: str, issuer_name, public_key, signing_key, days: int, ca: bool, names: list[str],
           permitted: list[str] | None = None):
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = _now()
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
    if permitted:
        # A DNS name permits itself and every name under it. IP addresses
        # are left unconstrained (the lab's ACME CA answers on 127.0.0.1).
        b = b.add_extension(x509.NameConstraints(
            permitted_subtrees=[x509.DNSName(n) for n in permitted], excluded_subtrees=None), critical=True)
    return b.sign(signing_key, hashes.SHA256())


class _CaProvider(ResourceProvider):
    def create(self, props):
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        cert = _build(props["common_name"], None, key.public_key(), key, 3650, True, [],
                      permitted=props.get("permitted") or None)
        return CreateResult(id_=props["common_name"], outs={**props, "cert_pem": _pem_cert(cert), "key_pem": _pem_key(key)})

    def diff(self, _id, olds, news):
        keys = [k for k in ("common_name", "permitted") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(keys), replaces=keys)


class LabCa(Resource, module="tls", name="LabCa"):
    cert_pem: pulumi.Output[str]
    key_pem: pulumi.Output[str]

    def __init__(self, name: str, common_name: str, permitted: list[str], opts: pulumi.ResourceOptions | None = None):
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["key_pem"]))
        super().__init__(_CaProvider(), name, {"common_name": common_name, "permitted": sorted(permitted),
                                               "cert_pem": None, "key_pem": None}, opts)


class _CertProvider(ResourceProvider):
    def create(self, props):
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        ca_cert = x509.load_pem_x509_certificate(props["ca_cert_pem"].encode())
        ca_key = serialization.load_pem_private_key(props["ca_key_pem"].encode(), None)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _build(props["names"][0], ca_cert.subject, key.public_key(), ca_key, CERT_DAYS, False, props["names"])
        return CreateResult(id_=props["names"][0], outs={**props, "cert_pem": _pem_cert(cert), "key_pem": _pem_key(key)})

    def diff(self, _id, olds, news):
        keys = [k for k in ("names", "ca_cert_pem") if olds.get(k) != news.get(k)]
        if not keys and due_for_renewal(olds.get("cert_pem")):
            keys = ["cert_pem"]  # 2/3 of its life gone: made again, as ACME renews
        return DiffResult(changes=bool(keys), replaces=keys)


def due_for_renewal(cert_pem: str | None) -> bool:
    """Whether 2/3 of the certificate's life has passed (or it cannot be read)."""
    from cryptography import x509

    if not cert_pem:
        return True
    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
    except ValueError:
        return True
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    return _now() >= start + (end - start) * RENEW_AT


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
