"""Who may do what in Gedeelde HR."""

from __future__ import annotations

from typing import Any

from portal.core.permissions import is_owner, is_staff
from portal.core.roles import ALGEMEEN_DIRECTEUR, BEHEERDER, HR
from portal.hr.models import TrainingStatus, VacancyKind, VacancyStatus


def is_hr(user: Any) -> bool:
    """Tell whether the user works for the HR service (or is the AD)."""
    return bool(user.is_authenticated and user.has_role(HR, ALGEMEEN_DIRECTEUR))


def can_create(user: Any) -> bool:
    """HR staff, the AD and the tenant administrator post vacancies."""
    return bool(user.is_authenticated and user.has_role(HR, ALGEMEEN_DIRECTEUR, BEHEERDER))


def can_edit(user: Any, obj: Any) -> bool:
    """Only HR (or the AD, the administrator) of the owner municipality changes a vacancy."""
    return can_create(user) and is_owner(user, obj)


def can_configure(user: Any) -> bool:
    """HR, the AD and the administrator set the retention period."""
    return can_create(user)


def can_manage_applications(user: Any, obj: Any) -> bool:
    """Only HR of the recruiting municipality sees and handles applications."""
    return is_hr(user) and is_owner(user, obj)


def can_apply(user: Any, vacancy: Any) -> bool:
    """Staff apply to published internal-mobility vacancies they can see (own or a partner's)."""
    return bool(is_staff(user) and vacancy.status == VacancyStatus.GEPUBLICEERD and vacancy.kind == VacancyKind.INTERN)


def can_view_sharing(user: Any) -> bool:
    """HR and the AD see the terbeschikkingstellingen of their municipality (given and received)."""
    return is_hr(user)


def can_request_sharing(user: Any) -> bool:
    """HR and the AD of the home municipality put an employee at a partner's disposal."""
    return is_hr(user)


def can_decide_sharing(user: Any, row: Any) -> bool:
    """Only the AD decides, and only on the row of their own municipality."""
    return bool(user.is_authenticated and user.has_role(ALGEMEEN_DIRECTEUR) and is_owner(user, row))


def can_edit_training(user: Any, obj: Any) -> bool:
    """HR (or the AD, the administrator) of the organising municipality changes a training."""
    return can_create(user) and is_owner(user, obj)


def can_enrol(user: Any, training: Any) -> bool:
    """Staff enrol in a planned training they can see (own or a partner's shared one)."""
    return bool(is_staff(user) and training.status == TrainingStatus.GEPLAND)


def can_decide_enrolment(user: Any, enrolment: Any) -> bool:
    """The participant's own HR approves or refuses an enrolment."""
    return is_hr(user) and is_owner(user, enrolment)


def can_view_enrolment(user: Any, enrolment: Any) -> bool:
    """The participant and their own HR see an enrolment."""
    return bool(is_owner(user, enrolment) and (enrolment.user_id == user.id or is_hr(user)))


def can_manage_seats(user: Any, training: Any) -> bool:
    """Only HR of the organiser sees the attendance list."""
    return is_hr(user) and is_owner(user, training)


def can_edit_function(user: Any, obj: Any) -> bool:
    """HR (or the AD, the administrator) of the owner municipality changes a function description."""
    return can_create(user) and is_owner(user, obj)


def can_grade(user: Any) -> bool:
    """HR and the AD record their municipality's grade for a function."""
    return is_hr(user)


def can_manage_reserve(user: Any, obj: Any) -> bool:
    """Only HR (and the AD) of the owner municipality sees the laureates and decides on requests."""
    return is_hr(user) and is_owner(user, obj)


def can_request_candidate(user: Any, reserve: Any) -> bool:
    """HR of a partner municipality asks for a candidate of a reserve shared with it."""
    return is_hr(user) and not is_owner(user, reserve)
