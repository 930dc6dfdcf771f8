from django.urls import path

from . import views

app_name = "inventory"
urlpatterns = [
    path("", views.StockListView.as_view(), name="stock_list"),
    path("low/", views.StockListView.as_view(kind="low"), name="stock_low"),
    path("oversold/", views.StockListView.as_view(kind="oversold"), name="stock_oversold"),
    path("<int:pk>/", views.StockDetailView.as_view(), name="stock_detail"),
]
