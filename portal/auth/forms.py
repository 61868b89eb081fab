"""Login, password and account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.roles import ROLE_LABELS

# A shape check only: whether an address works shows when its owner follows the mailed link.
# (email_validator also refuses reserved domains such as .test and internal .local ones.)
EMAIL_SHAPE = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$"


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul je e-mailadres in.")), Length(max=255)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul je wachtwoord in.")), Length(max=256)])


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul je e-mailadres in.")),
            Regexp(EMAIL_SHAPE, message=_l("Dit is geen geldig e-mailadres.")),
            Length(max=255),
        ],
    )


class NewPasswordForm(FlaskForm):
    """Choose a new password twice."""

    password = PasswordField(
        _l("Nieuw wachtwoord"), validators=[DataRequired(_l("Kies een wachtwoord.")), Length(max=256)]
    )
    confirm = PasswordField(
        _l("Herhaal het wachtwoord"), validators=[DataRequired(_l("Herhaal het wachtwoord.")), Length(max=256)]
    )


class ChangePasswordForm(NewPasswordForm):
    """Change the password knowing the current one."""

    current = PasswordField(_l("Huidig wachtwoord"), validators=[DataRequired(_l("Vul je huidige wachtwoord in."))])


class ProfileForm(FlaskForm):
    """Name, job title and language."""

    full_name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul je naam in.")), Length(max=160)])
    job_title = StringField(_l("Functie"), validators=[Optional(), Length(max=160)])
    locale = SelectField(_l("Taal"), choices=[SelectChoice("nl_BE", "Nederlands"), SelectChoice("en", "English")])


class TokenForm(FlaskForm):
    """Name a new API token."""

    name = StringField(
        _l("Naam van het token"), validators=[DataRequired(_l("Geef het token een naam.")), Length(max=80)]
    )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices() -> list[SelectChoice]:
    """Return a (code, label) choice for every role."""
    return [SelectChoice(code, str(label)) for code, label in ROLE_LABELS.items()]


class InviteForm(FlaskForm):
    """Invite a new user of the tenant."""

    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul een e-mailadres in.")),
            Regexp(EMAIL_SHAPE, message=_l("Dit is geen geldig e-mailadres.")),
            Length(max=255),
        ],
    )
    full_name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=160)])
    job_title = StringField(_l("Functie"), validators=[Optional(), Length(max=160)])
    roles = MultiCheckboxField(
        _l("Rollen"), choices=role_choices, validators=[DataRequired(_l("Kies minstens één rol."))]
    )


class RolesForm(FlaskForm):
    """Change a user's roles."""

    roles = MultiCheckboxField(
        _l("Rollen"), choices=role_choices, validators=[DataRequired(_l("Kies minstens één rol."))]
    )
