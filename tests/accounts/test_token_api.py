import pytest

from accounts.models import ApiToken
from accounts.services import token_create

pytestmark = pytest.mark.django_db


def test_owner_lists_own_tokens_without_keys_and_revokes_one(viewer_user, editor_user, token_client_for):
    api = token_client_for(viewer_user)  # creates the "test" token it authenticates with
    other, other_key = token_create(user=viewer_user, name="ERP")
    foreign, _ = token_create(user=editor_user, name="not mine")

    listed = api.get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    names = sorted(t["name"] for t in listed.json()["results"])
    assert names == ["ERP", "test"]
    assert other_key not in listed.content.decode()
    assert "key_hash" not in listed.content.decode()

    assert api.get(f"/api/v1/auth/tokens/{foreign.pk}/").status_code == 404
    assert api.post(f"/api/v1/auth/tokens/{foreign.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=foreign.pk).revoked_at is None

    revoked = api.post(f"/api/v1/auth/tokens/{other.pk}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert ApiToken.objects.get(pk=other.pk).revoked_at is not None


def test_revoking_the_token_in_use_ends_access(viewer_user, token_client_for):
    api = token_client_for(viewer_user)
    current = ApiToken.objects.get(user=viewer_user, name="test")
    assert api.post(f"/api/v1/auth/tokens/{current.pk}/revoke/").status_code == 200
    assert api.get("/api/v1/auth/tokens/").status_code == 401


def test_token_list_needs_credentials(client):
    assert client.get("/api/v1/auth/tokens/").status_code == 401
