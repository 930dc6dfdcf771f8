"""Marketplace order webhooks, one URL per channel (docs/orders.md#webhooks): mounted at /webhooks/."""

from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("<int:channel_id>/<str:marketplace>/", views.OrderWebhookView.as_view(), name="order_webhook"),
]
