import pytest

from accounts.roles import INTAKE, INTAKE_SUPERVISOR
from intake.models import IntakeItem
from intake.services import intake_phase_run


@pytest.fixture
def intake_user(make_user):
    return make_user("picker1", INTAKE)


@pytest.fixture
def other_intake_user(make_user):
    return make_user("picker2", INTAKE)


@pytest.fixture
def supervisor(make_user):
    return make_user("super1", INTAKE_SUPERVISOR)


@pytest.fixture
def run_pipeline():
    """Run the queued phases of an item synchronously, as the worker would, until it stops running."""

    def run(item, limit=6):
        for _ in range(limit):
            item = IntakeItem.objects.get(pk=item.pk)
            if not item.is_running:
                return item
            intake_phase_run(item_id=item.pk, phase=item.current_phase)
        return IntakeItem.objects.get(pk=item.pk)

    return run
