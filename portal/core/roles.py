"""Role codes and their Dutch labels; one place for the whole portal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

BEHEERDER = "beheerder"
ALGEMEEN_DIRECTEUR = "algemeen_directeur"
BELEIDSVERANTWOORDELIJKE = "beleidsverantwoordelijke"
HR = "hr_medewerker"
DIENST = "dienstmedewerker"
AANKOPER = "aankoper"
RAADSLID = "raadslid"
EXPERT = "expert"

ROLES = (BEHEERDER, ALGEMEEN_DIRECTEUR, BELEIDSVERANTWOORDELIJKE, HR, DIENST, AANKOPER, RAADSLID, EXPERT)

ROLE_LABELS = {
    BEHEERDER: _l("Beheerder"),
    ALGEMEEN_DIRECTEUR: _l("Algemeen directeur"),
    BELEIDSVERANTWOORDELIJKE: _l("Beleidsverantwoordelijke / schepen"),
    HR: _l("HR-medewerker"),
    DIENST: _l("Dienstmedewerker"),
    AANKOPER: _l("Aankoper"),
    RAADSLID: _l("Raadslid"),
    EXPERT: _l("Expert (gast)"),
}

# Roles that act for the municipality (not read-only or guests).
STAFF_ROLES = (BEHEERDER, ALGEMEEN_DIRECTEUR, BELEIDSVERANTWOORDELIJKE, HR, DIENST, AANKOPER)
