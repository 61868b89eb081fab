"""No double booking under real concurrency (PostgreSQL: exclusion constraint and row lock)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from portal.core.errors import DomainError
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals.models import Booking, Reservation, Resource
from tenants.context import tenant_context
from tenants.models import Tenant
from tests import conftest
from tests.rentals_helpers import next_weekday

pytestmark = pytest.mark.skipif(not conftest.PG_URL, reason="needs PostgreSQL: concurrent connections")


@pytest.fixture
def committed(app):
    """A committed tenant with a single-unit and a quantity resource, outside the test transaction."""
    fixture_session = db.session
    db.session = scoped_session(sessionmaker(bind=db.engine), scopefunc=threading.get_ident)
    slug = f"conc-{uuid.uuid4().hex[:10]}"
    tenant_id = 0
    try:
        with tenant_context(None, is_platform=True):
            tenant = Tenant(name=f"Gemeente {slug}", slug=slug)
            db.session.add(tenant)
            db.session.commit()
            tenant_id = tenant.id
        with tenant_context(tenant_id):
            single = ops.create_resource(
                {"name": "Podium race", "quantity": 1, "price_own": Decimal("5")}, author_id=None
            )
            stock = ops.create_resource({"name": "Hekken race", "quantity": 10, "unit": "stuk_dag"}, author_id=None)
            db.session.commit()
            ids = (single.id, stock.id)
        db.session.remove()
        yield SimpleNamespace(tenant_id=tenant_id, single=ids[0], stock=ids[1])
    finally:
        db.session.remove()
        with Session(db.engine) as cleanup, tenant_context(tenant_id):
            cleanup.execute(delete(Booking))
            cleanup.execute(delete(Reservation))
            cleanup.execute(delete(Resource).where(Resource.tenant_id == tenant_id))
            cleanup.commit()
        db.session = fixture_session


def _race(app, tenant_id: int, resource_id: int, n: int, quantity: int) -> list[object]:
    start = next_weekday()
    barrier = threading.Barrier(n)
    results: list[object] = []
    lock = threading.Lock()

    def attempt() -> None:
        with app.app_context(), tenant_context(tenant_id):
            try:
                resource = db.session.scalar(select(Resource).where(Resource.id == resource_id))
                barrier.wait(timeout=20)
                ops.request_reservation(
                    resource,
                    {"starts_at": start, "ends_at": start + timedelta(hours=4), "quantity": quantity},
                    user=SimpleNamespace(id=None),
                )
                db.session.commit()
                outcome: object = "ok"
            except DomainError as err:
                db.session.rollback()
                outcome = (err.status_code, err.message)
            except Exception as err:
                db.session.rollback()
                outcome = err
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_requests_for_one_single_unit_slot_exactly_one_wins(app, committed):
    results = _race(app, committed.tenant_id, committed.single, 12, 1)
    assert results.count("ok") == 1, results
    refused = [r for r in results if r != "ok"]
    assert len(refused) == 11
    assert all(isinstance(r, tuple) and r[0] == 409 and "al gereserveerd" in r[1] for r in refused), refused
    with tenant_context(committed.tenant_id):
        assert len(db.session.scalars(select(Booking).where(Booking.resource_id == committed.single)).all()) == 1


def test_concurrent_quantity_requests_never_exceed_the_stock(app, committed):
    results = _race(app, committed.tenant_id, committed.stock, 8, 3)
    assert results.count("ok") == 3, results  # 3 x 3 = 9 of 10
    assert all(r == "ok" or (isinstance(r, tuple) and r[0] == 409) for r in results), results


def test_exclusion_constraint_refuses_overlap_even_without_the_lock(app, committed):
    start = next_weekday()
    with tenant_context(committed.tenant_id):
        for offset in (0, 1):
            db.session.add(
                Booking(
                    resource_id=committed.single,
                    requester_tenant_id=committed.tenant_id,
                    reservation_id=0,
                    is_single_unit=True,
                    starts_at=start + timedelta(hours=offset),
                    ends_at=start + timedelta(hours=offset + 2),
                    blocked_until=start + timedelta(hours=offset + 2),
                    tariff_class="eigen",
                    price=Decimal("0"),
                    deposit=Decimal("0"),
                )
            )
        with pytest.raises(IntegrityError, match="ex_rental_bookings_no_overlap"):
            db.session.flush()
        db.session.rollback()


def test_basket_submission_and_a_competing_reservation_never_both_win(app, committed):
    """A basket line and a single reservation race for the same single-unit slot: exactly one succeeds."""
    from portal.auth.operations import create_user
    from portal.rentals.models import BasketItem

    with tenant_context(committed.tenant_id):
        tenant = db.session.get(Tenant, committed.tenant_id)
        # A beheerder reserves but is not owner staff: no notifications to clean up.
        user = create_user(
            tenant, email=f"mandje-{uuid.uuid4().hex[:8]}@race.test", full_name="Mand", roles=["beheerder"]
        )
        db.session.commit()
        user_id = user.id
    db.session.remove()
    outcomes = []
    base = next_weekday(30)
    for round_no in range(6):
        start = base + timedelta(hours=6 * round_no)
        with tenant_context(committed.tenant_id, user_id=user_id):
            resource = db.session.get(Resource, committed.single)
            ops.add_to_basket(
                resource, {"starts_at": start, "ends_at": start + timedelta(hours=4)}, user=SimpleNamespace(id=user_id)
            )
            db.session.commit()
        db.session.remove()
        barrier = threading.Barrier(2)
        results: dict[str, object] = {}

        def run(name: str, action, barrier=barrier, results=results) -> None:
            with app.app_context(), tenant_context(committed.tenant_id, user_id=user_id):
                try:
                    barrier.wait(timeout=20)
                    action()
                    db.session.commit()
                    results[name] = "ok"
                except DomainError as err:
                    db.session.rollback()
                    results[name] = (err.status_code, err.message)
                except Exception as err:
                    db.session.rollback()
                    results[name] = err
                finally:
                    db.session.remove()

        def basket() -> None:
            ops.submit_basket(SimpleNamespace(id=user_id))

        def single(start=start) -> None:
            resource = db.session.scalar(select(Resource).where(Resource.id == committed.single))
            ops.request_reservation(
                resource,
                {"starts_at": start + timedelta(hours=1), "ends_at": start + timedelta(hours=3)},
                user=SimpleNamespace(id=None),
            )

        threads = [
            threading.Thread(target=run, args=("basket", basket)),
            threading.Thread(target=run, args=("single", single)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(map(str, results.values())).count("ok") == 1, results
        loser = next(v for v in results.values() if v != "ok")
        assert isinstance(loser, tuple) and loser[0] == 409 and "al gereserveerd" in loser[1], results
        outcomes.append(next(k for k, v in results.items() if v == "ok"))
        with tenant_context(committed.tenant_id):
            left = db.session.scalar(select(func.count()).select_from(BasketItem).where(BasketItem.user_id == user_id))
            # The basket is gone when it won, kept (for another try) when it lost; clear it for the next round.
            assert left == (0 if results["basket"] == "ok" else 1)
            db.session.execute(delete(BasketItem).where(BasketItem.user_id == user_id))
            db.session.commit()
        db.session.remove()
    with tenant_context(committed.tenant_id):
        active = db.session.scalars(
            select(Booking).where(Booking.resource_id == committed.single, Booking.status == "aangevraagd")
        ).all()
        assert len(active) == 6


def test_exclusion_constraint_counts_a_held_waitlist_offer(app, committed):
    """A slot held for the waitlist ('aangeboden') blocks an overlapping request in the database itself."""
    start = next_weekday()
    with tenant_context(committed.tenant_id):
        for status in ("aangeboden", "aangevraagd"):
            db.session.add(
                Booking(
                    resource_id=committed.single,
                    requester_tenant_id=committed.tenant_id,
                    reservation_id=0,
                    is_single_unit=True,
                    status=status,
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    blocked_until=start + timedelta(hours=2),
                    tariff_class="eigen",
                    price=Decimal("0"),
                    deposit=Decimal("0"),
                )
            )
        with pytest.raises(IntegrityError, match="ex_rental_bookings_no_overlap"):
            db.session.flush()
        db.session.rollback()
