"""The PDF page both packing slips and labels are drawn on, and how it picks its font.

Text that Latin-1 covers is set in the PDF core font Helvetica: nothing to embed, and fast.
Anything else (a Chinese name, address or product title, the Chinese labels of a slip) needs a
Unicode TrueType font; SoloOps uses WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei``
(Latin and CJK in one file; fpdf2 embeds only the glyphs a document uses). Loading it takes
most of a second, so a document loads it only when its text needs it. Without the font the
document still renders, in Helvetica, with each character it cannot show replaced by "?",
and a warning says which package to install.
"""

import logging
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)
# fpdf2 subsets fonts with fontTools, which logs every glyph it keeps at INFO.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

# (file, index in a font collection), first found wins.
UNICODE_FONTS: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),  # Debian: fonts-wqy-microhei
)
# Tests turn compression off to read the text in the content streams.
COMPRESS = True


def unicode_font() -> tuple[Path, int] | None:
    for path, index in UNICODE_FONTS:
        if path.is_file():
            return path, index
    return None


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


class Page:
    """An ``FPDF`` document with the font its ``texts`` need (see the module docstring)."""

    def __init__(self, *, texts: Iterable[str], title: str, format="A4") -> None:
        from fpdf import FPDF  # fpdf2 and fontTools load with the first document

        self.pdf = FPDF(format=format, unit="mm")
        self.pdf.compress = COMPRESS
        self.pdf.set_creator("SoloOps")
        self.family = "helvetica"
        self.replace = False
        if not all(_latin1(t) for t in texts):
            font = unicode_font()
            if font is None:
                logger.warning(
                    "no Unicode font for %r; characters outside Latin-1 print as '?' "
                    "(install the Debian package fonts-wqy-microhei)",
                    title,
                )
                self.replace = True
            else:
                self.pdf.add_font("unicode", fname=str(font[0]), collection_font_number=font[1])
                self.family = "unicode"
        self.pdf.set_title(self.text(title))

    @property
    def core(self) -> bool:
        """True when the document uses the core font (which has a bold face)."""
        return self.family == "helvetica"

    def font(self, size: float, *, bold: bool = False) -> None:
        # The Unicode font has no bold face; size alone sets headings apart there.
        self.pdf.set_font(self.family, style="B" if bold and self.core else "", size=size)

    def text(self, value: object) -> str:
        text = str(value)
        return text.encode("latin-1", "replace").decode("latin-1") if self.replace else text

    def output(self) -> bytes:
        return bytes(self.pdf.output())
