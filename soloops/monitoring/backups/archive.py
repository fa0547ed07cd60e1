"""The backup file: ``soloops-<UTC time>.tar.gz`` (``.enc`` when encrypted).

Inside: ``manifest.json`` and the members it lists with their SHA-256 — the database copy
(``database.sqlite3`` or ``database.pgdump``) and ``var/<secret>`` files. The whole file's
SHA-256 is written beside it (``<file>.sha256``, the ``sha256sum`` format) so a copy can be
checked anywhere. Encryption (a passphrase, scrypt-derived key, Fernet: AES-128-CBC with an
HMAC) covers the whole archive; the header says it is encrypted so ``restore`` asks for the
passphrase instead of failing on gzip.
"""

import base64
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT = 1
MAGIC = b"SOLOOPS-BACKUP-ENCRYPTED-1\n"
SALT_BYTES = 16


class ArchiveError(Exception):
    """The file is not a SoloOps backup, is damaged, or the passphrase is wrong."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fernet(passphrase: str, salt: bytes) -> Fernet:
    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def write(*, output: Path, manifest: dict, members: dict[str, Path], passphrase: str | None) -> str:
    """Write the archive to ``output`` (mode 0600: it holds the shop's secrets), then its
    ``.sha256`` beside it; returns the file's SHA-256."""
    manifest = {**manifest, "format": FORMAT, "files": {}}
    for name, path in members.items():
        manifest["files"][name] = sha256_file(path)
    buffer = io.BytesIO() if passphrase else None
    tmp = output.with_name(output.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw:
        target = buffer if buffer is not None else raw
        with tarfile.open(fileobj=target, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                tar.add(path, arcname=name, recursive=False)
        if buffer is not None:
            salt = os.urandom(SALT_BYTES)
            raw.write(MAGIC + salt + _fernet(passphrase, salt).encrypt(buffer.getvalue()))
    os.replace(tmp, output)
    checksum = sha256_file(output)
    output.with_name(output.name + ".sha256").write_text(f"{checksum}  {output.name}\n")
    return checksum


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


@dataclass
class Opened:
    manifest: dict
    directory: Path  # where the members were extracted


def open_into(path: Path, directory: Path, *, passphrase: str | None) -> Opened:
    """Check and extract ``path`` into ``directory``: the sidecar checksum when present, the
    passphrase, every member's SHA-256 against the manifest. Raises ``ArchiveError``."""
    sidecar = path.with_name(path.name + ".sha256")
    if sidecar.exists():
        expected = sidecar.read_text().split()[0] if sidecar.read_text().split() else ""
        if expected != sha256_file(path):
            raise ArchiveError(f"{path.name} does not match its checksum file {sidecar.name}")
    data = path.read_bytes()
    if data.startswith(MAGIC):
        if not passphrase:
            raise ArchiveError("the backup is encrypted: give its passphrase")
        salt = data[len(MAGIC) : len(MAGIC) + SALT_BYTES]
        try:
            data = _fernet(passphrase, salt).decrypt(data[len(MAGIC) + SALT_BYTES :])
        except InvalidToken:
            raise ArchiveError("wrong passphrase, or the file is damaged") from None
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            # "data" filter: no absolute paths, no links out, no devices (PEP 706).
            tar.extractall(directory, filter="data")
    except (tarfile.TarError, OSError, EOFError) as e:
        raise ArchiveError(f"{path.name} is not a readable backup: {e}") from None
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError):
        raise ArchiveError(f"{path.name} has no readable manifest.json") from None
    if manifest.get("format") != FORMAT:
        raise ArchiveError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    for name, digest in manifest.get("files", {}).items():
        member = directory / name
        if not member.is_file() or sha256_file(member) != digest:
            raise ArchiveError(f"{name} in the backup is missing or damaged (checksum)")
    return Opened(manifest=manifest, directory=directory)
