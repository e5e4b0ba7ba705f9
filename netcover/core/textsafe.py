"""Text from inputs made safe for where it goes: HTML, scripts, XML, CSV cells and file names.

Site ids, operator, commune and village names and the scenario's name and slug come from the
user's files and reach web pages, KML, spreadsheets and file names. Every output escapes or
sanitises them here, in one place:

- :func:`html_text`: text or a quoted attribute value in HTML, also safe inside a JavaScript
  template literal (folium writes tooltips between back-ticks) and in Leaflet's layer switcher,
  which inserts names as HTML;
- :func:`script_json`: a value as JSON inside a ``<script>`` element (no ``</script>``, no line
  separators that end a JavaScript string);
- :func:`xml_text`: text without the control characters XML 1.0 forbids (KML/KMZ);
- :func:`plot_text`: text in a matplotlib figure (print maps, charts), never read as mathtext;
- :func:`csv_cell` and :func:`csv_safe_frame`: spreadsheet formula injection neutralised, as OWASP
  recommends, for text cells only (numbers stay numbers);
- :func:`safe_name`: a file-name component from user text (no folders, no ``..``, never empty).
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMULA_PREFIXES", "MAX_NAME_LENGTH", "csv_cell", "csv_safe_frame", "html_text", "plot_text",
    "safe_name", "script_json", "sheet_cell", "xml_text",
]

#: Characters XML 1.0 does not allow (C0 controls except tab, LF, CR; surrogates; U+FFFE/U+FFFF).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Characters that also end or open code in a JavaScript template literal, as HTML entities.
_JS_TEMPLATE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})

#: In JSON inside ``<script>``: what could close the element or end a JavaScript string.
_SCRIPT_JSON = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                              "\u2028": "\\u2028", "\u2029": "\\u2029"})

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Text a spreadsheet reads as a negative number (or the placeholder "-"), never as a formula.
_PLAIN_NEGATIVE = re.compile(r"-|-(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?")

#: Longest file-name component :func:`safe_name` returns (characters).
MAX_NAME_LENGTH = 80

_UNSAFE_NAME = re.compile(r"[^\w.-]+|\.{2,}", flags=re.UNICODE)


def xml_text(value: object) -> str:
    """``str(value)`` without the characters XML 1.0 forbids (they make a KML file invalid).

    Tab, line feed and carriage return are kept; other C0 controls, lone surrogates and
    U+FFFE/U+FFFF are removed. ElementTree escapes ``<``, ``>`` and ``&`` itself.
    """
    return _XML_INVALID.sub("", str(value))


def html_text(value: object) -> str:
    """``str(value)`` escaped for HTML text or a quoted attribute value.

    ``& < > " '`` become entities, and so do the back-tick, ``$`` and ``\\`` so that the result
    is also inert inside a JavaScript template literal (folium's tooltips). Characters XML forbids
    are removed (see :func:`xml_text`). Browsers show the text unchanged.
    """
    return html.escape(xml_text(value), quote=True).translate(_JS_TEMPLATE)


def script_json(value: Any) -> str:
    """``value`` as JSON that can be written inside a ``<script>`` element.

    ``<``, ``>``, ``&`` and the line separators U+2028/U+2029 are written as ``\\uXXXX`` escapes,
    so ``</script>`` or ``<!--`` in a name cannot end the script and the JSON is valid JavaScript.
    The value decodes unchanged; text that the page inserts as HTML must be :func:`html_text`
    first.
    """
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_JSON)


def plot_text(value: object) -> str:
    """``str(value)`` for a matplotlib text (title, label, tick): ``$`` escaped so that a name is
    never parsed as mathtext (``$\\frac{$`` would stop the drawing), control characters removed.
    """
    return xml_text(value).replace("$", r"\$")


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``
    (OWASP). Anything that is not text (numbers, dates, missing values) is returned unchanged, and
    so is text that is only a negative number (``-3.5``, ``-12%``) or the placeholder ``-``, which
    a spreadsheet cannot run: negative numbers stay numbers.
    """
    if (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
            and not _PLAIN_NEGATIVE.fullmatch(value)):
        return "'" + value
    return value


def sheet_cell(value: object) -> object:
    """A worksheet cell (Excel workbooks): :func:`csv_cell`, and text without the characters XML
    forbids (openpyxl refuses them). Anything that is not text is returned unchanged."""
    value = csv_cell(value)
    return xml_text(value) if isinstance(value, str) else value


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`csv_cell` applied to the text cells of its text columns and its header.

    Numeric, boolean and date columns are left as they are; ``df`` itself is not changed.
    """
    import pandas as pd

    text_cols = [c for c in df.columns
                 if pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c])]
    header = [csv_cell(c) for c in df.columns]
    if not text_cols and header == list(df.columns):
        return df
    out = df.copy()
    for col in text_cols:
        out[col] = out[col].map(csv_cell)
    out.columns = pd.Index(header)
    return out


def safe_name(text: object, *, fallback: str = "unnamed", max_length: int = MAX_NAME_LENGTH) -> str:
    """A file-name component made from user text (e.g. a scenario's slug).

    Letters (any script, NFC), digits, ``_``, ``.`` and ``-`` are kept; runs of anything else
    (path separators, spaces, control characters) and of two or more dots become ``_``. Leading
    and trailing dots, ``_`` and ``-`` are removed, so the result is never ``.``, ``..`` or hidden
    and holds no ``..``; it is cut to ``max_length`` characters, and ``fallback`` is returned when
    nothing is left.

    Examples
    --------
    >>> safe_name("x/../../ESCAPED")
    'x_ESCAPED'
    >>> safe_name("../..")
    'unnamed'
    """
    cleaned = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", xml_text(text)))
    cleaned = re.sub("_{2,}", "_", cleaned)
    cleaned = cleaned.lstrip("._-")[:max_length].rstrip("._-")
    return cleaned or fallback
