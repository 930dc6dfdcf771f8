"""`{% listing_tasks_for listing as tasks %}`: the listing page's "Tasks" box
(templates/workflow/_listing_tasks.html)."""

from django import template

from listings.models import Listing
from workflow.choices import TaskType
from workflow.models import Task
from workflow.selectors import listing_task_list

register = template.Library()

LISTING_TASKS_SHOWN = 10


@register.simple_tag(takes_context=True)
def listing_tasks_for(context: template.Context, listing: Listing) -> list[Task]:
    context["task_types"] = TaskType.choices
    return list(listing_task_list(listing_id=listing.pk)[:LISTING_TASKS_SHOWN])
