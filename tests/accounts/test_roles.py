import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.views.generic import View
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts.mixins import RoleRequiredMixin
from accounts.roles import ROLES, can_edit, can_view, user_has_role
from accounts.services import user_roles_set
from common.errors import ApplicationError

pytestmark = pytest.mark.django_db

AREAS = ["catalog", "listings", "imports", "sync", "channels", "admin"]
EDIT_MATRIX = {
    "none": set(),
    "viewer": set(),
    "editor": {"catalog", "listings", "imports", "sync"},
    "channel_manager": {"channels"},
    "admin": set(AREAS),
}


def test_migration_created_the_four_role_groups():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


def test_role_groups_carry_matching_admin_permissions():
    editor = Group.objects.get(name="editor")
    codes = set(editor.permissions.values_list("content_type__app_label", "codename"))
    assert ("catalog", "change_product") in codes
    assert ("auth", "change_user") not in codes
    assert ("auth", "view_user") in codes
    admin = Group.objects.get(name="admin")
    assert admin.permissions.filter(codename="change_user").exists()
    assert not admin.permissions.filter(codename__in=["change_auditentry", "delete_auditentry"]).exists()


@pytest.mark.parametrize("role_case", list(EDIT_MATRIX))
@pytest.mark.parametrize("area", AREAS)
def test_can_edit_matrix(role_users, role_case, area):
    assert can_edit(role_users[role_case], area) is (area in EDIT_MATRIX[role_case])


@pytest.mark.parametrize(("role_case", "expected"), [("none", False), ("viewer", True), ("editor", True)])
def test_can_view_needs_a_role(role_users, role_case, expected):
    assert can_view(role_users[role_case]) is expected


def test_superuser_and_admin_role_hold_every_role(admin_user, role_admin_user, editor_user):
    assert all(user_has_role(admin_user, r) for r in ROLES)
    assert all(user_has_role(role_admin_user, r) for r in ROLES)
    assert user_has_role(editor_user, "editor")
    assert not user_has_role(editor_user, "channel_manager")


def test_inactive_user_has_no_rights(editor_user):
    editor_user.is_active = False
    assert not can_view(editor_user)
    assert not can_edit(editor_user, "catalog")


def test_unknown_area_and_role_are_refused_with_the_valid_names(editor_user):
    with pytest.raises(ValueError, match="catalog, channels"):
        can_edit(editor_user, "billing")
    with pytest.raises(ValueError, match="viewer, editor"):
        user_has_role(editor_user, "owner")


def test_user_roles_set_replaces_roles_and_refuses_unknown(editor_user):
    user_roles_set(target=editor_user, roles=["viewer", "channel_manager"])
    assert set(editor_user.groups.values_list("name", flat=True)) == {"viewer", "channel_manager"}
    assert can_edit(editor_user, "channels")
    assert not can_edit(editor_user, "catalog")
    with pytest.raises(ApplicationError, match="Unknown role"):
        user_roles_set(target=editor_user, roles=["owner"])
    assert set(editor_user.groups.values_list("name", flat=True)) == {"viewer", "channel_manager"}


# --- DRF permission ---


class CatalogApi(APIView):
    required_role_area = "catalog"

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"ok": True}, status=201)


class NoAreaApi(CatalogApi):
    required_role_area = None


@pytest.mark.parametrize(
    ("role_case", "get_status", "post_status"),
    [
        ("none", 403, 403),
        ("viewer", 200, 403),
        ("editor", 200, 201),
        ("channel_manager", 200, 403),
        ("admin", 200, 201),
    ],
)
def test_role_permission_reads_need_a_role_writes_need_the_area(role_users, role_case, get_status, post_status):
    factory = APIRequestFactory()
    user = role_users[role_case]
    get = factory.get("/x")
    force_authenticate(get, user=user)
    post = factory.post("/x", {})
    force_authenticate(post, user=user)
    assert CatalogApi.as_view()(get).status_code == get_status
    assert CatalogApi.as_view()(post).status_code == post_status


def test_role_permission_without_area_needs_admin_to_write(editor_user, role_admin_user):
    factory = APIRequestFactory()
    for user, expected in ((editor_user, 403), (role_admin_user, 201)):
        request = factory.post("/x", {})
        force_authenticate(request, user=user)
        assert NoAreaApi.as_view()(request).status_code == expected


def test_role_permission_refuses_anonymous_with_401():
    response = CatalogApi.as_view()(APIRequestFactory().get("/x"))
    assert response.status_code == 401


# --- View mixin ---


class ChannelEditPage(RoleRequiredMixin, View):
    required_area = "channels"
    write = True

    def get(self, request):
        from django.http import HttpResponse

        return HttpResponse("edit form")


class CatalogListPage(RoleRequiredMixin, View):
    required_area = "catalog"

    def get(self, request):
        from django.http import HttpResponse

        return HttpResponse("list")

    post = get


@pytest.mark.parametrize(
    ("role_case", "edit_status", "list_status", "list_post_status"),
    [
        ("none", 403, 403, 403),
        ("viewer", 403, 200, 403),
        ("editor", 403, 200, 200),
        ("channel_manager", 200, 200, 403),
        ("admin", 200, 200, 200),
    ],
)
def test_mixin_matrix(role_users, role_case, edit_status, list_status, list_post_status):
    rf = RequestFactory()
    user = role_users[role_case]

    def call(view, method):
        request = getattr(rf, method)("/x")
        request.user = user
        return view.as_view()(request)

    edit = call(ChannelEditPage, "get")
    assert edit.status_code == edit_status
    assert call(CatalogListPage, "get").status_code == list_status
    assert call(CatalogListPage, "post").status_code == list_post_status
    if edit_status == 403 and role_case == "none":
        assert b"Your account has no role yet" in edit.content  # who grants a role, not "not allowed"
    elif edit_status == 403:
        assert b"Not allowed" in edit.content
        assert b"channels" in edit.content


def test_mixin_sends_anonymous_to_login():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/channels/1/edit/")
    request.user = AnonymousUser()
    response = ChannelEditPage.as_view()(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


# --- Channel restriction ---


def test_channel_restriction_limits_a_user_to_listed_channels(make_user, role_admin_user):
    from accounts.roles import allowed_channel_ids, can_use_channel
    from accounts.services import user_channels_restrict

    editor = make_user("limited", "editor")
    assert allowed_channel_ids(editor) is None
    user_channels_restrict(target=editor, channel_ids=[3, 1, 3])
    fresh = type(editor).objects.get(pk=editor.pk)
    assert allowed_channel_ids(fresh) == frozenset({1, 3})
    assert can_use_channel(fresh, 3)
    assert not can_use_channel(fresh, 2)
    user_channels_restrict(target=role_admin_user, channel_ids=[1])
    assert allowed_channel_ids(type(editor).objects.get(pk=role_admin_user.pk)) is None  # admins see every channel


def test_channel_restriction_refuses_bad_ids(editor_user):
    from accounts.models import UserProfile
    from accounts.services import user_channels_restrict

    with pytest.raises(ApplicationError, match="positive integers"):
        user_channels_restrict(target=editor_user, channel_ids=[1, "2"])
    assert not UserProfile.objects.exists()
