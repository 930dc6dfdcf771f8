"""Start, stop and retry per phase; the review gate; refusals leave everything as it was."""

from unittest import mock

import pytest

from common.errors import ApplicationError
from intake.choices import IntakeStatus, PhaseName, PhaseStatus
from intake.models import IntakeItem, IntakePhase
from intake.services import (
    intake_item_create,
    intake_phase_retry,
    intake_phase_run,
    intake_review,
    intake_start,
    intake_stop,
)
from tests.intake.photos import label_photo, plain_photo, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(intake_user):
    return intake_item_create(owner=intake_user, photos=[upload(label_photo(barcode="4006381333931"))])


def _state(item):
    item = IntakeItem.objects.get(pk=item.pk)
    phases = {p.phase: (p.status, p.retry_count) for p in item.phases.all()}
    return item.status, item.is_running, item.current_phase, phases, item.logs.count()


def test_stop_is_honoured_between_steps_and_discards_the_output(item, intake_user):
    # given a photo check the worker has begun
    item = intake_stop(item=item, user=intake_user)
    assert item.status == IntakeStatus.STOPPED
    assert item.is_running is False
    # when the queued task is delivered after the stop
    intake_phase_run(item_id=item.pk, phase=PhaseName.PHOTO_CHECK)
    # then it does nothing: the phase stays stopped without output
    record = IntakePhase.objects.get(item=item, phase=PhaseName.PHOTO_CHECK)
    assert (record.status, record.output) == (PhaseStatus.STOPPED, {})
    assert item.photos.get().verdict == ""


def test_stop_between_steps_of_a_running_phase(item, intake_user):
    # given the analysis of an item is running and a stop arrives between two of its steps
    intake_phase_run(item_id=item.pk, phase=PhaseName.PHOTO_CHECK)
    from intake.services import pipeline

    real = pipeline._checkpoint

    def stop_at_second_step(item_id, phase):
        check = real(item_id, phase)
        calls = []

        def wrapped(step):
            calls.append(step)
            if len(calls) == 2:
                intake_stop(item=IntakeItem.objects.get(pk=item_id), user=intake_user)
            check(step)

        return wrapped

    with mock.patch.object(pipeline, "_checkpoint", stop_at_second_step):
        intake_phase_run(item_id=item.pk, phase=PhaseName.ANALYSIS)
    # then the analysis is stopped, its output discarded and the item keeps no fields
    record = IntakePhase.objects.get(item=item, phase=PhaseName.ANALYSIS)
    assert record.status == PhaseStatus.STOPPED
    assert record.output == {}
    item.refresh_from_db()
    assert (item.status, item.fields) == (IntakeStatus.STOPPED, {})
    assert item.logs.filter(action="stopped", message__startswith="Stopped at step 'catalog match'").exists()


def test_stopping_when_nothing_runs_is_refused(item, intake_user):
    intake_stop(item=item, user=intake_user)
    before = _state(item)
    with pytest.raises(ApplicationError, match=r"No phase of intake #\d+ is running; there is nothing to stop."):
        intake_stop(item=item, user=intake_user)
    assert _state(item) == before


def test_retry_of_a_stopped_phase_counts_and_runs_again(item, intake_user, run_pipeline):
    intake_stop(item=item, user=intake_user)
    item = intake_phase_retry(item=item, phase=PhaseName.PHOTO_CHECK, user=intake_user)
    assert item.status == IntakeStatus.PROCESSING
    assert IntakePhase.objects.get(item=item, phase=PhaseName.PHOTO_CHECK).retry_count == 1
    item = run_pipeline(item)
    assert IntakePhase.objects.get(item=item, phase=PhaseName.PHOTO_CHECK).status == PhaseStatus.COMPLETED


def test_retry_of_a_completed_phase_is_refused(item, intake_user, run_pipeline):
    item = run_pipeline(item)  # no condition: stops at review
    before = _state(item)
    with (
        mock.patch("intake.services.control.enqueue") as enqueue,
        pytest.raises(ApplicationError, match=r"0\. Photo check of intake #\d+ is already completed; there is nothing"),
    ):
        intake_phase_retry(item=IntakeItem.objects.get(pk=item.pk), phase=PhaseName.PHOTO_CHECK, user=intake_user)
    enqueue.assert_not_called()
    assert _state(item) == before


def test_a_failed_phase_records_its_error_and_can_be_retried(item, intake_user, run_pipeline):
    with mock.patch("intake.services.phase_photo_check.compute", side_effect=OSError("disk went away")):
        intake_phase_run(item_id=item.pk, phase=PhaseName.PHOTO_CHECK)
    item.refresh_from_db()
    record = IntakePhase.objects.get(item=item, phase=PhaseName.PHOTO_CHECK)
    assert (record.status, record.error_message) == (PhaseStatus.FAILED, "OSError: disk went away")
    assert item.status == IntakeStatus.ERROR
    assert item.error_message == "0. Photo check failed: OSError: disk went away"
    item = intake_phase_retry(item=item, phase=PhaseName.PHOTO_CHECK, user=intake_user)
    item = run_pipeline(item)
    assert IntakePhase.objects.get(item=item, phase=PhaseName.PHOTO_CHECK).status == PhaseStatus.COMPLETED


def test_start_refusals(item, intake_user, run_pipeline):
    with pytest.raises(ApplicationError, match="is already running"):
        intake_start(item=item, user=intake_user)
    item = run_pipeline(item)
    assert item.status == IntakeStatus.NEEDS_REVIEW
    with pytest.raises(ApplicationError, match="waits for a manual review"):
        intake_start(item=item, user=intake_user, phase=PhaseName.LISTING)


def test_review_refusals_leave_the_item_waiting(intake_user, run_pipeline, small_catalog):
    item = run_pipeline(intake_item_create(owner=intake_user, photos=[upload(plain_photo())]))
    before = _state(item)
    with pytest.raises(ApplicationError, match="The name is unknown; give it."):
        intake_review(item=item, fields={}, user=intake_user)
    with pytest.raises(ApplicationError, match="Unknown condition 'mint'"):
        intake_review(item=item, fields={"name": "x", "category": small_catalog["kitchen"].pk, "condition": "mint"})
    with pytest.raises(ApplicationError, match="Category '999999' does not exist."):
        intake_review(item=item, fields={"name": "x", "category": "999999", "condition": "new"})
    with pytest.raises(ApplicationError, match="Barcode '4006381333932' has check digit 2, expected 1."):
        intake_review(
            item=item,
            fields={
                "name": "x",
                "category": small_catalog["kitchen"].pk,
                "condition": "new",
                "barcode": "4006381333932",
            },
        )
    assert _state(item) == before


def test_the_worker_path_runs_the_whole_pipeline(intake_user, small_catalog):
    # given an upload whose tasks sit in the django-q2 queue, run the way a worker runs them
    from tests.e2e.conftest import run_queue

    item = intake_item_create(
        owner=intake_user,
        photos=[upload(label_photo(barcode="4006381333931", lines=("Electric kettle 1.7 L",)))],
        hint_name="ACME electric kettle",
        hint_condition="new",
    )
    assert run_queue() == 5  # photo check, analysis, research, SEO, listing
    item.refresh_from_db()
    assert item.status == IntakeStatus.COMPLETED
    assert item.product.title.startswith("ACME electric kettle")  # + size and colour, by the SEO phase
    assert item.product.category == small_catalog["kitchen"]


def test_a_run_overtaken_by_stop_and_retry_does_not_write_its_output(item, intake_user, run_pipeline):
    # given the photo check began on a worker, then was stopped and queued again before that worker finished
    from intake.services import pipeline

    began = pipeline._begin(item.pk, PhaseName.PHOTO_CHECK)
    assert began is not None
    intake_stop(item=item, user=intake_user)
    intake_phase_retry(item=item, phase=PhaseName.PHOTO_CHECK, user=intake_user)
    # when the old run finishes
    pipeline._finish(item.pk, PhaseName.PHOTO_CHECK, began[3], {"photos": [], "usable": 0}, 0.0)
    # then its output is discarded; the queued retry does the work
    record = IntakePhase.objects.get(item=item, phase=PhaseName.PHOTO_CHECK)
    assert (record.status, record.output) == (PhaseStatus.PENDING, {})
    item = run_pipeline(item)
    record.refresh_from_db()
    assert record.status == PhaseStatus.COMPLETED
    assert record.output["usable"] == 1
