from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from django_q.signals import post_execute_in_worker, pre_execute

        from common import worker

        # Keep a running task's queue row locked while its worker lives (docs/sync.md, restarting workers).
        pre_execute.connect(worker.task_started, dispatch_uid="common.worker.task_started")
        post_execute_in_worker.connect(worker.task_finished, dispatch_uid="common.worker.task_finished")
