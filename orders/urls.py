from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.OrderListView.as_view(), name="order_list"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="order_detail"),
    path("lines/<int:pk>/", views.OrderLineRedirectView.as_view(), name="line_order"),
    path("lines/<int:pk>/link/", views.OrderLineLinkView.as_view(), name="line_link"),
    path("customers/", views.CustomerListView.as_view(), name="customer_list"),
    path("pull/", views.OrderPullNowView.as_view(), name="order_pull"),
    path("customers/<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
]
