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
