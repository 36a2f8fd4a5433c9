"""The reply letter as a PDF, for deputies who read on a phone.

Rendered by WeasyPrint from ``templates/responses/letter_print.html`` with the same lines as
the .docx (``letter_content``). The Chinese faces come from the system's fontconfig (the
Debian package fonts-noto-cjk in the image); nothing is downloaded. Without a Chinese
font every character would print as a box, so rendering refuses instead.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from typing import TYPE_CHECKING, NoReturn

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from responses.letters.docx import letter_content

if TYPE_CHECKING:
    from responses.models import Reply

__all__ = ["LetterRenderError", "chinese_fonts_installed", "letter_pdf"]

logger = logging.getLogger(__name__)
# WeasyPrint reports each layout step at INFO; one download would add eight lines to the log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class LetterRenderError(RuntimeError):
    """The letter cannot be rendered on this server; the message tells the operator why."""


@functools.cache
def chinese_fonts_installed() -> bool:
    """Whether fontconfig knows a face that covers Chinese (asked once per process)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        result = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        logger.exception("fc-list failed")
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> NoReturn:
    # The letter has no images or style sheets to fetch: any URL is a mistake or an attack.
    raise ValueError(f"the letter PDF fetches nothing, refused {url!r}")


def letter_pdf(reply: Reply, *, show_phones: bool) -> bytes:
    """The sent reply as an A4 PDF; LetterRenderError when no Chinese font is installed."""
    if not chinese_fonts_installed():
        raise LetterRenderError(
            _(
                "The PDF cannot be made: no Chinese font is installed on the server. "
                "Ask the operator to install the Debian package fonts-noto-cjk "
                "(apt-get install fonts-noto-cjk) and restart the application."
            )
        )
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango/HarfBuzz missing: WeasyPrint loads them when imported.
        logger.exception("WeasyPrint cannot load its libraries")
        raise LetterRenderError(
            _(
                "The PDF cannot be made: the text layout libraries are missing on the server. "
                "Ask the operator to install the Debian packages libpango-1.0-0 and libpangoft2-1.0-0 "
                "and restart the application."
            )
        ) from exc

    letter = letter_content(reply, show_phones=show_phones)
    html = render_to_string(
        "responses/letter_print.html",
        {"letter": letter, "signature_indent_pt": f"{letter.signature_indent_pt:.1f}"},
    )
    return HTML(string=html, base_url=None, url_fetcher=_refuse_fetch).write_pdf()
