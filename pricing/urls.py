from django.urls import path

from . import rule_views, views

app_name = "pricing"
urlpatterns = [
    path("", views.PricingTableView.as_view(), name="pricing_table"),
    path("fees/", views.ChannelFeeListView.as_view(), name="fee_list"),
    path("fees/new/", views.ChannelFeeFormView.as_view(), name="fee_create"),
    path("fees/<int:pk>/edit/", views.ChannelFeeFormView.as_view(), name="fee_update"),
    path("fees/<int:pk>/estimate/", views.FeeEstimateRunView.as_view(), name="fee_estimate"),
    path("rules/", rule_views.PriceRuleListView.as_view(), name="rule_list"),
    path("rules/new/", rule_views.PriceRuleEditView.as_view(), name="rule_create"),
    path("rules/<int:pk>/edit/", rule_views.PriceRuleEditView.as_view(), name="rule_update"),
]
