"""Just enough PDF reading to check what fpdf2 wrote, without a PDF library.

Works on documents written with ``compress = False`` (the tests switch compression off): the
text operators are then plain in the content streams. Text in the core font is Latin-1 bytes;
text in an embedded Unicode font is 2-byte glyph codes, which the font's ToUnicode map turns
back into characters — the same map a PDF viewer uses to copy or search the text.
"""

import re

ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def _literal_strings(stream: bytes) -> list[bytes]:
    """The operands of every ``(...) Tj`` in a content stream, unescaped."""
    found, i = [], 0
    while (start := stream.find(b"(", i)) != -1:
        depth, j, out = 1, start + 1, bytearray()
        while depth and j < len(stream):
            c = stream[j : j + 1]
            if c == b"\\":
                nxt = stream[j + 1 : j + 2]
                if (octal := re.match(rb"[0-7]{1,3}", stream[j + 1 : j + 4])) is not None:
                    digits = octal.group()
                    out.append(int(digits, 8))
                    j += 1 + len(digits)
                    continue
                out += ESCAPES.get(nxt, nxt)
                j += 2
                continue
            if c == b"(":
                depth += 1
            elif c == b")":
                depth -= 1
                if not depth:
                    break
            out += c
            j += 1
        i = j + 1
        if re.match(rb"\s*Tj", stream[i : i + 8]):
            found.append(bytes(out))
    return found


def _to_unicode(pdf: bytes) -> dict[int, str]:
    codes: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", pdf, re.S):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            codes[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    return codes


def pdf_text(pdf: bytes) -> str:
    """Every shown string, one per line, in drawing order (nothing if compressed)."""
    cmap = _to_unicode(pdf)
    strings = []
    for stream in re.findall(rb"(?<!end)stream\r?\n(.*?)endstream", pdf, re.S):
        for raw in _literal_strings(stream):
            if cmap:
                pairs = [int.from_bytes(raw[k : k + 2], "big") for k in range(0, len(raw), 2)]
                strings.append("".join(cmap.get(code, "\ufffd") for code in pairs))
            else:
                strings.append(raw.decode("latin-1"))
    return "\n".join(strings)
