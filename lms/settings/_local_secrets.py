"""Per-checkout secrets for development and tests: generated once into var/, never committed."""

import secrets
from pathlib import Path


def local_secret(path: Path, length: int = 50) -> str:
    """Return the secret stored at *path*, creating it on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(length)
    path.write_text(value)
    path.chmod(0o600)
    return value


def local_rsa_key(path: Path) -> str:
    """Return the PEM RSA private key stored at *path* (the OpenID Connect signing key of a development
    checkout), generating it on first use."""
    if path.exists():
        return path.read_text()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(pem)
    path.chmod(0o600)
    return pem
