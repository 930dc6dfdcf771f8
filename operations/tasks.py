"""Thin django-q2 entry points for operations (each calls one service)."""


def system_log_purge_task() -> None:
    from operations.services.system_log import system_log_purge

    system_log_purge()


def job_execute_task(job_id: int) -> None:
    from operations.services.runners import job_execute

    job_execute(job_id=job_id)


def backup_scheduled_task() -> None:
    from operations.services.backups import backup_run_now

    backup_run_now()


def feed_run_scheduled_task(feed_id: int) -> None:
    from operations.services.feeds import feed_run_scheduled

    feed_run_scheduled(feed_id=feed_id)


def notifications_email_task(digest: str) -> None:
    from operations.services.notifications import notifications_email_send

    notifications_email_send(digest=digest)


def notifications_digest_daily_task() -> None:
    from operations.services.notifications import notifications_email_send

    notifications_email_send(digest="daily")
