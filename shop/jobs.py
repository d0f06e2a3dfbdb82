"""The scheduler's periodic job: the sweeper.

One job, with a stable id, sends due reminders, expires due orders and relays the mail
outbox. ``coalesce`` folds missed runs into one, ``max_instances=1`` keeps a slow run from
overlapping the next, and the work itself is safe to run in several processes at once (see
:mod:`shop.ordering.lifecycle`), so a second scheduler by mistake does no harm.

Production runs the scheduler as its own process, ``flask --app shop scheduler``; ``make run``
runs it inside the development server (``SHOP_SCHEDULER_IN_PROCESS=1``); web workers never
start it unless configured to.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from shop.clock import utcnow
from shop.ordering.lifecycle import SweepReport, expire_due_orders, send_due_reminders

log = logging.getLogger(__name__)

SWEEPER_ID = "shop-sweeper"
RELAY_BATCH = 200


def sweep(app: Flask) -> SweepReport:
    """One pass: reminders, expiry, then the outbox. Safe to run anywhere, any number of times."""
    from shop.extensions import db
    from shop.notifications import relay_outbox

    with app.app_context():
        try:
            now = utcnow()
            report = SweepReport(reminders=send_due_reminders(now))
            report.expired, report.released_units = expire_due_orders(now)
            while (sent := relay_outbox(limit=RELAY_BATCH)) > 0:
                report.mails_sent += sent
                if sent < RELAY_BATCH:
                    break
        finally:
            db.session.remove()
    if report.reminders or report.expired or report.mails_sent:
        log.info("sweep: %s", report)
    return report


def schedule(scheduler: BaseScheduler, app: Flask) -> None:
    minutes = app.config["SHOP_SWEEP_MINUTES"]
    scheduler.add_job(
        sweep,
        "interval",
        args=[app],
        id=SWEEPER_ID,
        name="reminders, expiry and mail relay",
        minutes=minutes,
        next_run_time=datetime.now(UTC),
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(minutes * 60),
        replace_existing=True,
    )


def start_in_process(app: Flask) -> BackgroundScheduler:
    """Development: the sweeper in a thread of the web process."""
    import atexit

    scheduler = BackgroundScheduler(timezone=UTC)
    schedule(scheduler, app)
    scheduler.start()
    atexit.register(lambda: scheduler.shutdown(wait=False))
    log.info("sweeper running in-process every %s minute(s)", app.config["SHOP_SWEEP_MINUTES"])
    return scheduler
