"""Identifiers a customer or supplier sees (SO-2026-7K3QXM2A, PO-2026-…, SH-…): random, so they
are not guessable database ids, in Crockford base32 so they read aloud without I/L/O/U."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
