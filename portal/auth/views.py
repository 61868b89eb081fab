"""Login, logout, password reset, invitations, own account and API tokens."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.auth import operations as ops
from portal.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, NewPasswordForm, ProfileForm, TokenForm
from portal.auth.models import ApiToken, User
from portal.core.access import PUBLIC, SIGNED_IN, allow
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.notifications import CATEGORIES, MANDATORY, MODE_LABELS, MODES, NotificationPreference
from portal.core.unitofwork import fail, keep_on_error
from portal.core.web import end_session
from portal.extensions import csrf, db, limiter, login_manager

bp = Blueprint("auth", __name__)


def init_login(app: Flask) -> None:
    """Configure flask-login: session users carry an epoch; API users a bearer token."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Meld je aan om deze pagina te bekijken.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # ids rotate at login; epochs revoke

    @login_manager.user_loader
    def load_user(value: str) -> User | None:
        if request.path.startswith("/api/") and request.headers.get("Authorization"):
            # An explicit credential decides: a bearer token is never overruled by a browser cookie.
            return None
        try:
            user_id, epoch = (int(part) for part in value.split(":", 1))
        except ValueError:
            return None
        return _load_session_user(user_id, epoch)

    @login_manager.request_loader
    def load_from_token(req: Any) -> User | None:
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        user = ops.user_for_api_token(header[7:].strip())
        if user is not None:
            g.token_auth = True
        return user

    @login_manager.unauthorized_handler
    def unauthorized() -> Any:
        from portal.core.errors import is_api_request, problem

        if is_api_request():
            return problem(401)
        flash(str(login_manager.login_message), "info")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def _load_session_user(user_id: int, epoch: int) -> User | None:
    """Load the session's user in one statement (the session row was the other).

    The same statement joins tenant and roles, counts the unread notifications for the layout's
    badge (``notifications.preload_unread``) and, on PostgreSQL, sets the row-level security
    settings to the user's tenant, so the request's first tenant query needs no ``set_config``
    of its own (``tenants.rls.preset_columns``; none of these tables has row-level security).
    """
    from portal.core.notifications import preload_unread, unread_count_column
    from tenants import rls
    from tenants.context import BRUSSELS

    today = utcnow().astimezone(BRUSSELS).date().isoformat()
    preset = rls.enabled(db.session())
    columns = [User, unread_count_column(User.id), *(rls.preset_columns(User.tenant_id, today) if preset else [])]
    row = (
        db.session.execute(select(*columns).where(User.id == user_id).options(joinedload(User.role_rows)))
        .unique()
        .first()
    )
    if row is None:
        return None
    user: User = row[0]
    if preset:
        rls.mark_preset(db.session(), user.tenant_id, today)
    if user.session_epoch != epoch or not user.is_active or not user.tenant.is_active:
        return None
    preload_unread(user.id, int(row[1] or 0))
    return user


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_url(user: User) -> str:
    """Return the dashboard of the user's tenant."""
    return url_for("dashboard.index", tenant=user.tenant.slug)


@bp.route("/")
@allow(PUBLIC)
def root() -> Any:
    """Send a signed-in user to their dashboard, others to the login page."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login() -> Any:
    """Sign in with e-mail and password; throttled per (account, client) and per client."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url(current_user))
    form = LoginForm()
    status = 200
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()[:255]
        device = ops.known_device(request.cookies.get(ops.DEVICE_COOKIE), email)
        refusal = ops.login_refusal(email, request.remote_addr, device)
        if refusal is not None:
            return _throttled(form, refusal)
        if form.validate_on_submit():
            user = ops.authenticate(form.email.data or "", form.password.data or "")
            if user is None:
                # The refusal answers 401, yet the throttle must count it.
                keep_on_error(lambda: ops.register_login_failure(email, request.remote_addr, device))
                flash(_("E-mailadres of wachtwoord is onjuist."), "danger")
                status = 401
            else:
                # A new session id at login defeats session fixation.
                current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]
                session.clear()
                login_user(user)
                session["login_at"] = utcnow().timestamp()
                session.permanent = True
                ops.clear_login_failures(email, request.remote_addr, device)
                target = _safe_next(request.args.get("next")) or home_url(user)
                response = redirect(target)
                if device is None:
                    response.set_cookie(
                        ops.DEVICE_COOKIE,
                        ops.issue_device_cookie(user),
                        max_age=current_app.config["PORTAL_DEVICE_COOKIE_DAYS"] * 86400,
                        httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"],
                        samesite="Lax",
                    )
                return response
        else:
            status = 400
    return render_template("auth/login.html", form=form), status


def _throttled(form: LoginForm, refusal: ops.Refusal) -> Any:
    seconds = refusal.retry_after
    wait = _("%(n)s seconden", n=seconds) if seconds < 120 else _("%(n)s minuten", n=math.ceil(seconds / 60))
    # Same answer for known and unknown accounts: the refusal reveals nothing about existence.
    flash(_("Te veel mislukte aanmeldpogingen. Probeer het over %(wait)s opnieuw.", wait=wait), "danger")
    response = make_response(render_template("auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/logout", methods=["POST"])
@allow(PUBLIC)
def logout() -> Any:
    """Sign out: the server-side session is deleted, so a replayed cookie is worthless."""
    end_session(_("Je bent afgemeld."))
    return redirect(url_for("auth.login"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password() -> Any:
    """Ask for a reset link; the answer never tells whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ops.request_password_reset(form.email.data or "")
        flash(
            _("Als er een account bestaat voor dit adres, ontvang je binnen enkele minuten een e-mail met een link."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), (400 if request.method == "POST" else 200)


def _token_page(purpose: str, token: str, template: str) -> Any:
    form = NewPasswordForm()
    valid = ops.peek_email_token(token, purpose) is not None
    if not valid:
        return render_template(template, form=None, invalid=True), 400
    if form.validate_on_submit():
        try:
            user = ops.complete_password_reset(token, form.password.data or "", form.confirm.data or "", purpose)
        except DomainError as err:
            fail()
            target = getattr(form, err.field or "password", form.password)
            target.errors = [*target.errors, err.message]
            return render_template(template, form=form, invalid=False), 422
        flash(_("Je wachtwoord is ingesteld. Meld je nu aan."), "success")
        return redirect(url_for("auth.login", email=user.email))
    return render_template(template, form=form, invalid=False), (400 if request.method == "POST" else 200)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("20 per 15 minutes", methods=["POST"])
def reset_password(token: str) -> Any:
    """Choose a new password with a single-use link."""
    return _token_page("reset", token, "auth/reset.html")


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("20 per 15 minutes", methods=["POST"])
def accept_invitation(token: str) -> Any:
    """Accept an invitation by choosing a password."""
    return _token_page("invite", token, "auth/invitation.html")


@bp.route("/taal/<code>", methods=["POST"])
@allow(PUBLIC)
def set_language(code: str) -> Any:
    """Switch the interface language (nl_BE or en)."""
    if code not in ("nl_BE", "en"):
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.root"))


# -- own account (under the tenant) -----------------------------------------------------

account = Blueprint("account", __name__, url_prefix="/<tenant>/account")


@account.route("/", methods=["GET", "POST"])
@allow(SIGNED_IN)
def profile() -> Any:
    """Show and edit the own profile; change the password."""
    form = ProfileForm(obj=current_user)
    pw_form = ChangePasswordForm(prefix="pw")
    status = 200
    if request.method == "POST" and request.form.get("action") == "profile":
        if form.validate_on_submit():
            current_user.full_name = form.full_name.data
            current_user.job_title = form.job_title.data or None
            current_user.locale = form.locale.data
            flash(_("Je profiel is bijgewerkt."), "success")
            return redirect(url_for("account.profile"))
        status = 422
    if request.method == "POST" and request.form.get("action") == "password":
        if pw_form.validate_on_submit():
            if not ops.check_password(current_user, pw_form.current.data or ""):
                pw_form.current.errors = [_("Het huidige wachtwoord is onjuist.")]
                status = 422
            else:
                try:
                    ops.set_password(current_user, pw_form.password.data or "", pw_form.confirm.data or "")
                except DomainError as err:
                    fail()
                    target = getattr(pw_form, err.field or "password", pw_form.password)
                    target.errors = [*target.errors, err.message]
                    status = 422
                else:
                    # Other sessions ended with the epoch; keep this one going.
                    login_user(current_user._get_current_object())  # type: ignore[attr-defined]
                    flash(_("Je wachtwoord is gewijzigd. Andere sessies zijn afgemeld."), "success")
                    return redirect(url_for("account.profile"))
        else:
            status = 422
    return render_template("auth/profile.html", form=form, pw_form=pw_form), status


@account.route("/meldingen", methods=["GET", "POST"])
@allow(SIGNED_IN)
def preferences() -> Any:
    """Choose per category: immediately, daily digest or off."""
    prefs = {
        p.category: p.mode
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == current_user.id)
        )
    }
    if request.method == "POST":
        errors = []
        for category in CATEGORIES:
            if category in MANDATORY:
                continue
            mode = request.form.get(f"mode-{category}")
            if mode is None:
                continue  # a category the form did not show (e.g. added since) keeps its setting
            if mode not in MODES:
                errors.append(category)
                continue
            row = db.session.scalar(
                select(NotificationPreference).where(
                    NotificationPreference.user_id == current_user.id, NotificationPreference.category == category
                )
            )
            if row is None:
                db.session.add(NotificationPreference(user_id=current_user.id, category=category, mode=mode))
            else:
                row.mode = mode
            prefs[category] = mode
        if errors:
            fail()
            flash(_("Kies voor elke categorie een geldige instelling."), "danger")
            return render_template(
                "auth/preferences.html", prefs=prefs, categories=CATEGORIES, modes=MODE_LABELS, mandatory=MANDATORY
            ), 422
        flash(_("Je meldingsvoorkeuren zijn bewaard."), "success")
        return redirect(url_for("account.preferences"))
    return render_template(
        "auth/preferences.html", prefs=prefs, categories=CATEGORIES, modes=MODE_LABELS, mandatory=MANDATORY
    )


@account.route("/tokens", methods=["GET", "POST"])
@allow(SIGNED_IN)
def tokens() -> Any:
    """List, create and revoke personal API tokens."""
    form = TokenForm()
    new_raw = None
    status = 200
    if form.validate_on_submit():
        _token, new_raw = ops.create_api_token(current_user, form.name.data or "")
        flash(_("Kopieer het token nu: het wordt maar één keer getoond."), "warning")
        form = TokenForm(formdata=None)
    elif request.method == "POST":
        status = 422
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/tokens.html", form=form, tokens=rows, new_raw=new_raw), status


@account.route("/tokens/<int:token_id>/intrekken", methods=["POST"])
@allow(SIGNED_IN)
def revoke_token(token_id: int) -> Any:
    """Revoke one of the own tokens."""
    try:
        ops.revoke_api_token(current_user, token_id)
    except DomainError:
        abort(404)
    flash(_("Het token is ingetrokken."), "success")
    return redirect(url_for("account.tokens"))


@account.route("/afmelden-overal", methods=["POST"])
@allow(SIGNED_IN)
def logout_everywhere() -> Any:
    """End every session of the current user, this one included."""
    ops.end_all_sessions(current_user)
    end_session(_("Je bent op alle toestellen afgemeld."))
    return redirect(url_for("auth.login"))


__all__ = ["account", "bp", "csrf", "init_login"]
