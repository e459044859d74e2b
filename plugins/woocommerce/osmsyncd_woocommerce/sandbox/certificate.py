"""A throwaway self-signed certificate for ``--https``, made with ``openssl``.

The sandbox has no dependencies beyond the standard library, so it asks the
``openssl`` program (present wherever Python's ssl module is) for a key and
certificate valid for 127.0.0.1 and localhost.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class CertificateError(RuntimeError):
    """No certificate could be made for ``--https``."""


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """Write ``cert.pem`` and ``key.pem`` into ``folder``; return both paths."""
    program = shutil.which("openssl")
    if program is None:
        raise CertificateError(
            "--https needs the openssl program to make a certificate; "
            "install it (apt-get install openssl) or run without --https"
        )
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        program,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(cert),
        "-days",
        "7",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CertificateError(f"openssl could not make a certificate: {result.stderr}")
    key.chmod(0o600)
    return cert, key
