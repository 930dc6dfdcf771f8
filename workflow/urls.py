from django.urls import path

from . import views

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
]
