"""The annual report as a .docx: a docxtpl template (the congress's own, or the default in
reports/docx/) rendered with ``AnnualReport.context()``.

The template is Word with Jinja tags (https://docxtpl.readthedocs.io): ``{{ f.reply_rate }}``
for a figure, ``{%tr for u in units %}`` … ``{%tr endfor %}`` for table rows and
``{%p for c in cases %}`` … ``{%p endfor %}`` for paragraphs. Names a template uses that
the context lacks are errors (StrictUndefined), so a typo is found when the template is
uploaded, not when the office sends the report.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import IO, Any

import jinja2
from django.utils.translation import gettext as _
from docxtpl import DocxTemplate

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "docx" / "annual_report.docx"


class TemplateProblem(Exception):
    """A report template that cannot be rendered; the message says why, for the office."""


def render(context: dict[str, Any], template: IO[bytes] | Path | None = None) -> bytes:
    """The report .docx; TemplateProblem when the template is not a usable .docx template."""
    source = template if template is not None else DEFAULT_TEMPLATE
    try:
        document = DocxTemplate(source)
        document.render(
            context, jinja_env=jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
        )
        out = io.BytesIO()
        document.save(out)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateProblem(
            _("The template has a tag error near line %(line)s: %(message)s")
            % {"line": error.lineno, "message": error.message}
        ) from error
    except jinja2.UndefinedError as error:
        raise TemplateProblem(
            _("The template uses a name the report does not have: %(message)s") % {"message": error.message}
        ) from error
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        # python-docx: not a zip, a zip without word/document.xml, or another package type.
        raise TemplateProblem(_("The file is not a Word (.docx) document.")) from error
    except Exception as error:  # noqa: BLE001 - docxtpl and lxml raise many kinds; the office needs a message
        raise TemplateProblem(
            _("The template could not be rendered (%(kind)s: %(message)s).")
            % {"kind": type(error).__name__, "message": str(error)[:200]}
        ) from error
    return out.getvalue()
