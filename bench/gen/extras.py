"""Referrals awaiting triage (some at immediate risk) and in-app notifications."""

from __future__ import annotations

import datetime as dt

from django.db import connections
from django.urls import reverse

from audit.models import AuditEvent
from bench.gen.cases import Ctx, age_years, assessment, birth_date, new_child, referral_row
from notifications.models import Notification
from panel.dates import age_on


def write_triage(ctx: Ctx) -> None:
    """Referrals waiting for triage, spread over the areas, made in the last ten days."""
    rng, now = ctx.rng, ctx.now
    for k in range(ctx.plan.awaiting_triage):
        area = ctx.world.areas[k % len(ctx.world.areas)]
        age = age_years(rng)
        referred_at = now - dt.timedelta(days=rng.uniform(0.1, 10))
        born = birth_date(age, referred_at.date(), rng)
        referrer = rng.choice(area.referrers)
        child_id = new_child(ctx, area, f"T-{k + 1:05d}", born, referred_at)
        ctx.trail.event(
            referrer,
            AuditEvent.Verb.CREATED,
            referred_at,
            object_type="cases.child",
            object_id=child_id,
        )
        immediate = rng.random() < 0.2
        referral_id = referral_row(
            ctx,
            child_id=child_id,
            area=area,
            referrer=referrer,
            referred_at=referred_at,
            age=age_on(born, referred_at.date()),
            immediate=immediate,
        )
        if rng.random() < 0.7:
            assessment(
                ctx,
                child_id=child_id,
                age=age_on(born, referred_at.date()),
                assessor=referrer,
                at=referred_at,
                referral_id=referral_id,
            )
        kind = Notification.Kind.URGENT_REFERRAL if immediate else Notification.Kind.NEW_REFERRAL
        for coordinator in area.coordinators:
            ctx.rows.add(
                Notification,
                recipient_id=coordinator.id,
                kind=kind,
                case_reference="",
                link=reverse("cases:triage-detail", args=[referral_id]),
                key=f"{kind}:{coordinator.id}:referral:{referral_id}",
                created_at=referred_at,
                read_at=referred_at + dt.timedelta(hours=2) if rng.random() < 0.5 else None,
                emailed_at=referred_at + dt.timedelta(minutes=1),
            )


def write_notifications(ctx: Ctx, using: str) -> None:
    """Overdue-action notices to each open action's owner, as the daily scan makes them,
    some read; and the action-assigned notice for open actions."""
    rng, today = ctx.rng, ctx.today
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.owner_id, a.due_date, c.reference, a.created_at FROM cases_action a "
            "JOIN cases_case c ON c.id = a.case_id "
            "WHERE a.status IN ('open', 'in_progress') AND a.owner_id IS NOT NULL ORDER BY a.id"
        )
        actions = cursor.fetchall()
    for action_id, owner_id, due, reference, created in actions:
        link = reverse("cases:action-detail", args=[action_id])
        notes = [(Notification.Kind.ACTION_ASSIGNED, f"action:{action_id}", created)]
        if due < today:
            notes.append(
                (
                    Notification.Kind.ACTION_OVERDUE,
                    f"action:{action_id}:{due.isoformat()}",
                    ctx.now - dt.timedelta(days=rng.randint(0, 20)),
                )
            )
        for kind, about, at in notes:
            ctx.rows.add(
                Notification,
                recipient_id=owner_id,
                kind=kind,
                case_reference=reference,
                link=link,
                key=f"{kind}:{owner_id}:{about}",
                created_at=at,
                read_at=at + dt.timedelta(hours=5) if rng.random() < 0.6 else None,
                emailed_at=at + dt.timedelta(minutes=1),
            )


def write_authenticators(ctx: Ctx) -> None:
    """Coordinators and auditors must sign in with a second factor: each gets a confirmed
    authenticator with the published demo secret (DEBUG only), so ``manage.py demo_code``
    prints their current code, as for the demo users."""
    import base64

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from panel.management.commands.seed_demo import DEMO_TOTP_SECRET

    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    people = [c for area in ctx.world.areas for c in area.coordinators] + ctx.world.auditors
    for person in people:
        device_id = ctx.rows.add(
            TOTPDevice,
            user_id=person.id,
            name="Bench authenticator",
            key=key,
            confirmed=True,
            created_at=ctx.now - dt.timedelta(days=700),
        )
        ctx.trail.event(
            person,
            AuditEvent.Verb.CREATED,
            ctx.now - dt.timedelta(days=700),
            object_type="otp_totp.totpdevice",
            object_id=device_id,
            changes={"two_factor": "bench authenticator (DEBUG only)"},
        )
