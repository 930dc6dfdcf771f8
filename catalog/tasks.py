"""The import tasks under the dotted path they had before they moved to catalog/importing/tasks.py.

django-q2 stores a queued task's function by its dotted path (pickled in the ORM broker's rows, and as text in
failed-task rows an operator may resubmit), so rows queued before the move still name these. New tasks are
queued under catalog.importing.tasks. Nothing else belongs here: the catalog has no tasks of its own yet.
"""

from .importing.tasks import (
    import_batch_commit_task,
    import_batch_undo_task,
    import_batch_validate_task,
    import_images_fetch_task,
    import_listings_create_task,
)

__all__ = [
    "import_batch_commit_task",
    "import_batch_undo_task",
    "import_batch_validate_task",
    "import_images_fetch_task",
    "import_listings_create_task",
]
