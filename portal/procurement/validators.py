"""CPV and KBO number checks, shared by the schemas and the operations."""

from __future__ import annotations

import re

from flask_babel import gettext as _

# The 45 divisions (first two digits) of the CPV 2008 main vocabulary (Regulation (EC) 213/2008).
CPV_DIVISIONS = frozenset(
    [
        "03",
        "09",
        "14",
        "15",
        "16",
        "18",
        "19",
        "22",
        "24",
        "30",
        "31",
        "32",
        "33",
        "34",
        "35",
        "37",
        "38",
        "39",
        "41",
        "42",
        "43",
        "44",
        "45",
        "48",
        "50",
        "51",
        "55",
        "60",
        "63",
        "64",
        "65",
        "66",
        "70",
        "71",
        "72",
        "73",
        "75",
        "76",
        "77",
        "79",
        "80",
        "85",
        "90",
        "92",
        "98",
    ]
)
_CPV = re.compile(r"^(\d{8})-(\d)$")


def cpv_error(code: str | None) -> str | None:
    """Return a Dutch message when ``code`` is not a valid CPV 2008 code, else None."""
    value = (code or "").strip()
    match = _CPV.match(value)
    if not match:
        return _("Een CPV-code heeft de vorm 12345678-9 (acht cijfers, een streepje en een controlecijfer).")
    digits = match.group(1)
    if digits[:2] not in CPV_DIVISIONS:
        return _("%(d)s is geen afdeling van de CPV-nomenclatuur 2008.", d=digits[:2])
    return None


def normalise_kbo(value: str | None) -> str:
    """Strip the BE prefix, dots and spaces of a KBO/VAT number."""
    raw = (value or "").upper().replace("BE", "").replace(".", "").replace(" ", "").strip()
    return raw


def kbo_error(value: str | None) -> str | None:
    """Return a Dutch message when ``value`` is not a valid Belgian KBO/VAT number (mod 97), else None."""
    digits = normalise_kbo(value)
    if len(digits) == 9 and digits.isdigit():
        digits = "0" + digits
    if len(digits) != 10 or not digits.isdigit() or digits[0] not in "01":
        return _("Een ondernemingsnummer heeft tien cijfers, bv. BE 0123.456.749.")
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        return _("Het controlegetal van dit ondernemingsnummer klopt niet.")
    return None


def format_kbo(value: str) -> str:
    """Return the KBO number as 0123.456.789."""
    d = normalise_kbo(value).rjust(10, "0")
    return f"{d[:4]}.{d[4:7]}.{d[7:]}"
