"""The generator's steps in order, on one database alias (``generate``)."""

from __future__ import annotations

import logging
import time

from bench.gen import runner
from bench.gen.plan import Plan

log = logging.getLogger("bench.generate")


def generate(using: str, plan: Plan, meetings: bool = True) -> float:
    """Generate (or finish generating) the data set; returns the seconds this run took."""
    from bench.gen.cases import Ctx, write_batch
    from bench.gen.extras import write_authenticators, write_notifications, write_triage
    from bench.gen.reference import load_world, write_reference

    began = time.monotonic()
    runner.ensure_progress(using)
    now = runner.meta(using, plan)
    runner.run_step(
        using, "reference", lambda rows, trail, rng: write_reference(rows, plan, now), plan.seed
    )
    world = load_world(using)

    def ctx(rows, trail, rng):
        return Ctx(rows=rows, trail=trail, world=world, plan=plan, now=now, rng=rng)

    for batch in range(plan.batches):
        runner.run_step(
            using,
            f"cases:{batch:04d}",
            lambda rows, trail, rng, b=batch: write_batch(ctx(rows, trail, rng), b),
            plan.seed,
        )
        if batch % 10 == 9 or batch == plan.batches - 1:
            log.info("cases: %d of %d batches", batch + 1, plan.batches)
    runner.run_step(
        using,
        "authenticators",
        lambda rows, trail, rng: write_authenticators(ctx(rows, trail, rng)),
        plan.seed,
    )
    runner.run_step(
        using, "triage", lambda rows, trail, rng: write_triage(ctx(rows, trail, rng)), plan.seed
    )
    from bench.gen.meetings import READY, write_meetings

    if meetings and READY:
        for area in world.areas:
            runner.run_step(
                using,
                f"meetings:{area.slug}",
                lambda rows, trail, rng, a=area: write_meetings(ctx(rows, trail, rng), a, using),
                plan.seed,
            )
    from bench.gen.intelligence import write_intelligence

    for area in world.areas:
        runner.run_step(
            using,
            f"intelligence:{area.slug}",
            lambda rows, trail, rng, a=area: write_intelligence(ctx(rows, trail, rng), a, using),
            plan.seed,
        )
    runner.run_step(
        using,
        "notifications",
        lambda rows, trail, rng: write_notifications(ctx(rows, trail, rng), using),
        plan.seed,
    )
    # Sequences, counters, seal and ANALYZE whenever this run wrote anything.
    if runner.RAN or "finish" not in runner.done_steps(using):
        runner.finish(using, now)
        runner.RAN.clear()
    if "finish" not in runner.done_steps(using):
        runner.run_step(using, "finish", lambda rows, trail, rng: None, plan.seed)
        runner.RAN.clear()
    seconds = time.monotonic() - began
    log.info("done in %.1f s", seconds)
    return seconds
