"""A throwaway self-signed key and certificate, under the names the rendered
nginx configs load, so `nginx -t` can open its TLS servers."""

from __future__ import annotations

import subprocess
from pathlib import Path


def write_throwaway_tls(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", "/CN=krill.home.lab", "-days", "1", "-keyout", str(directory / "krill.key"),
                    "-out", str(directory / "krill.crt")], check=True, capture_output=True)
    for ext in ("crt", "key"):
        (directory / f"route0.{ext}").write_bytes((directory / f"krill.{ext}").read_bytes())
        # The daemon in a container may run as another user than this test.
        (directory / f"route0.{ext}").chmod(0o644)
        (directory / f"krill.{ext}").chmod(0o644)
    return directory
