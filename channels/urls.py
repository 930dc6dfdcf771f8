from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("", views.ChannelListView.as_view(), name="channel_list"),
    path("new/", views.ChannelCreateView.as_view(), name="channel_create"),
    path("<int:pk>/", views.ChannelDetailView.as_view(), name="channel_detail"),
    path("<int:pk>/edit/", views.ChannelUpdateView.as_view(), name="channel_update"),
    path("<int:pk>/mappings/", views.CategoryMappingSaveView.as_view(), name="mapping_save"),
    path("<int:pk>/attribute-mappings/", views.AttributeMappingListView.as_view(), name="attribute_mapping_list"),
    path("<int:pk>/attribute-mappings/save/", views.AttributeMappingSaveView.as_view(), name="attribute_mapping_save"),
    path("<int:pk>/remote-categories/load/", views.RemoteCategoriesLoadView.as_view(), name="remote_categories_load"),
    path(
        "<int:pk>/remote-categories/attributes/",
        views.RemoteCategoryAttributesView.as_view(),
        name="remote_category_attributes",
    ),
    path("<int:pk>/test-connection/", views.ChannelTestConnectionView.as_view(), name="channel_test"),
]
