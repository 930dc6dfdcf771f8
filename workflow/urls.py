from django.urls import path

from . import rule_views, stage_views, views

app_name = "workflow"
urlpatterns = [
    path("", views.TaskListView.as_view(), name="task_list"),
    path("board/", views.BoardView.as_view(), name="board"),
    path("new/", views.TaskCreateView.as_view(), name="task_create"),
    path("<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("<int:pk>/edit/", views.TaskUpdateView.as_view(), name="task_update"),
    path("<int:pk>/move/", views.TaskMoveView.as_view(), name="task_move"),
    path("<int:pk>/complete/", views.TaskCompleteView.as_view(), name="task_complete"),
    path("for-listing/<int:listing_pk>/", views.ListingTaskCreateView.as_view(), name="listing_task_create"),
    path("from-alert/<int:alert_pk>/", views.AlertTaskCreateView.as_view(), name="alert_task_create"),
    path("stages/", stage_views.StageListView.as_view(), name="stage_list"),
    path("stages/new/", stage_views.StageEditView.as_view(), name="stage_create"),
    path("stages/<int:pk>/edit/", stage_views.StageEditView.as_view(), name="stage_update"),
    path("stages/<int:pk>/delete/", stage_views.StageDeleteView.as_view(), name="stage_delete"),
    path("rules/", rule_views.RuleListView.as_view(), name="rule_list"),
    path("rules/new/", rule_views.RuleEditView.as_view(), name="rule_create"),
    path("rules/<int:pk>/", rule_views.RuleDetailView.as_view(), name="rule_detail"),
    path("rules/<int:pk>/edit/", rule_views.RuleEditView.as_view(), name="rule_update"),
    path("rules/<int:pk>/dry-run/", rule_views.RuleDryRunView.as_view(), name="rule_dry_run"),
    path("rules/<int:pk>/delete/", rule_views.RuleDeleteView.as_view(), name="rule_delete"),
]
