"""Beleidstafels: recurring meeting series and the automatic publication of agendas N days before."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.core.models import utcnow
from portal.core.notifications import Notification
from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables.models import Meeting, PolicyTable
from tenants.context import BRUSSELS, tenant_context
from tests.test_policy_tables_core import make_meeting, make_table


def test_recurring_series_keeps_the_brussels_time(app, world, login_as):
    table_id = make_table(world)
    chair = login_as(world.user("owner"))
    url = f"/owner/beleidstafels/{table_id}/vergaderingen/nieuw"
    base = {"day": "2099-01-31", "start_time": "19:00", "end_time": "21:00", "location": "Raadzaal"}
    bad = chair.post(url, data={**base, "repeat": "maandelijks", "count": "1"})
    assert bad.status_code == 422 and "2 tot 12" in bad.get_data(as_text=True)
    assert chair.post(url, data={**base, "repeat": "jaarlijks", "count": "3"}).status_code == 422
    assert chair.post(url, data={**base, "repeat": "maandelijks", "count": "13"}).status_code == 422
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalar(select(Meeting.id)) is None
    assert chair.post(url, data={**base, "repeat": "maandelijks", "count": "4"}).status_code == 302
    with tenant_context(world.tenants["owner"].id):
        meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
    local = [m.starts_at.astimezone(BRUSSELS) for m in meetings]
    # Month ends are clamped (31 Jan -> 28 Feb -> 31 Mar -> 30 Apr); 19:00 stays 19:00 across summer time.
    assert [d.date() for d in local] == [date(2099, 1, 31), date(2099, 2, 28), date(2099, 3, 31), date(2099, 4, 30)]
    assert {d.hour for d in local} == {19} and len({m.series_key for m in meetings}) == 1 and meetings[0].series_key
    # One invitation per member user for the whole series, not the former member's.
    with tenant_context(None, is_platform=True):
        invited = db.session.scalars(select(Notification.user_id).where(Notification.title.like("Uitnodiging:%"))).all()
    expected = [world.user(t, r).id for t in ("owner", "partner") for r in ("ad", "schepen")]
    assert sorted(invited) == sorted(expected)
    assert (
        chair.post(url, data={**base, "day": "2099-06-01", "repeat": "tweewekelijks", "count": "2"}).status_code == 302
    )
    with tenant_context(world.tenants["owner"].id):
        days = db.session.scalars(select(Meeting.starts_at).where(Meeting.starts_at > meetings[-1].starts_at)).all()
    assert sorted(d.astimezone(BRUSSELS).date() for d in days) == [date(2099, 6, 1), date(2099, 6, 15)]


def test_agendas_publish_themselves_days_before(app, world, login_as):
    table_id = make_table(world, "Automatische tafel")
    soon = make_meeting(world, table_id, days=5)
    later = make_meeting(world, table_id, days=20)
    empty = make_meeting(world, table_id, days=3)
    with tenant_context(world.tenants["owner"].id):
        for meeting_id in (soon, later):
            ops.add_agenda_item(
                db.session.get(Meeting, meeting_id),
                {"kind": "informatie", "title": "Punt", "owner_tenant_id": world.tenants["owner"].id},
            )
        db.session.commit()
    from tasks.policy_tables import publish_all_due_agendas, publish_due_agendas

    assert publish_due_agendas.delay().get() == 1  # 7 days ahead by default: only "soon" (empty is skipped)
    assert publish_due_agendas.delay().get() == 0
    with tenant_context(world.tenants["owner"].id):
        published = {m.id: m.is_published for m in db.session.scalars(select(Meeting))}
    assert published == {soon: True, later: False, empty: False}
    with tenant_context(None, is_platform=True):
        titles = db.session.scalars(select(Notification.title).where(Notification.title.contains("Automatische"))).all()
    assert titles  # the members were told, as when the chair publishes by hand
    # 0 days: only by hand; the chair sets it on the table.
    chair = login_as(world.user("owner"))
    form = chair.get("/owner/beleidstafels/nieuw").get_data(as_text=True)
    assert 'name="publish_days_before"' in form
    with tenant_context(world.tenants["owner"].id):
        table = db.session.get(PolicyTable, table_id)
        ops.update_table(table, {"publish_days_before": 0})
        db.session.commit()
    assert publish_all_due_agendas(utcnow() + timedelta(days=19)) == 0
