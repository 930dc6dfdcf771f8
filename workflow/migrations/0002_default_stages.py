"""The seven default stages of seed 003's kanban table (docs/workflow.md#board)."""

from django.db import migrations

DEFAULT_STAGES = [
    # name, sort_order, is_default, is_terminal, color
    ("Backlog", 1, True, False, "#6B7280"),
    ("To Analyze", 2, False, False, "#3B82F6"),
    ("In Progress", 3, False, False, "#F59E0B"),
    ("Review", 4, False, False, "#8B5CF6"),
    ("Ready to Deploy", 5, False, False, "#10B981"),
    ("Monitoring", 6, False, False, "#06B6D4"),
    ("Done", 7, False, True, "#22C55E"),
]


def add_stages(apps, schema_editor):
    Stage = apps.get_model("workflow", "Stage")
    for name, order, is_default, is_terminal, color in DEFAULT_STAGES:
        Stage.objects.get_or_create(
            name=name,
            defaults={"sort_order": order, "is_default": is_default, "is_terminal": is_terminal, "color": color},
        )


def remove_stages(apps, schema_editor):
    Stage = apps.get_model("workflow", "Stage")
    Stage.objects.filter(name__in=[row[0] for row in DEFAULT_STAGES], tasks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_board_and_tasks")]

    operations = [migrations.RunPython(add_stages, remove_stages)]
