"""Channel serializers. Credentials are write-only: they go in, encrypted, and never come back out."""

from typing import Any

from rest_framework import serializers

from channels import services
from channels.choices import marketplace_choices
from channels.models import Channel, RemoteCategory
from common.api.serializers import ServiceSerializerMixin, StrictCharField

CHANNEL_READ_FIELDS = [
    "id",
    *services.CHANNEL_EDITABLE_FIELDS,
    "pull_cursor",
    "last_full_pull_at",
    "created_at",
    "updated_at",
]


class ChannelSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.channel_create
    update_service = services.channel_update
    instance_kwarg = "channel"

    marketplace = serializers.ChoiceField(choices=[])  # filled from the connector registry in __init__
    credentials = serializers.DictField(
        child=StrictCharField(allow_blank=True, max_length=4096),
        write_only=True,
        required=False,
        help_text="Marketplace credentials (write-only, stored encrypted, never returned). On update they are "
        "merged over the stored ones; an empty value keeps the stored value.",
    )
    credential_fields_set = serializers.SerializerMethodField(
        help_text="Names of the stored credential fields (never their values)."
    )
    credential_fields_missing = serializers.SerializerMethodField(
        help_text="Required credential fields that are not stored yet."
    )

    class Meta:
        model = Channel
        fields = [*CHANNEL_READ_FIELDS, "credentials", "credential_fields_set", "credential_fields_missing"]
        read_only_fields = ["pull_cursor", "last_full_pull_at", "created_at", "updated_at"]
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        self.fields["marketplace"].choices = marketplace_choices()  # type: ignore[attr-defined]
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["marketplace"].read_only = True  # a channel does not change marketplace

    def _stored(self, channel: Channel) -> dict[str, str]:
        try:
            return channel.get_credentials()
        except Exception:  # noqa: BLE001 - a key rotation must not break reads; report nothing stored
            return {}

    def get_credential_fields_set(self, channel: Channel) -> list[str]:
        return sorted(self._stored(channel))

    def get_credential_fields_missing(self, channel: Channel) -> list[str]:
        return channel.missing_credential_fields(self._stored(channel))

    def create(self, validated_data: dict[str, Any]) -> Channel:
        validated_data.setdefault("credentials", {})
        return super().create(validated_data)


class ChannelPullSerializer(serializers.Serializer):
    """Body of POST /channels/{id}/pull/."""

    full = serializers.BooleanField(
        default=False,
        help_text="true: read every remote listing (reconcile); false: only those updated since the last pull.",
    )


class RemoteCategorySerializer(serializers.ModelSerializer):
    """One of the channel's cached marketplace categories (docs/channels.md#marketplace-categories)."""

    class Meta:
        model = RemoteCategory
        fields = ["remote_id", "name", "parent_remote_id", "path", "is_leaf", "created_at"]
        read_only_fields = fields


class RemoteCategoryQuerySerializer(serializers.Serializer):
    """The filters of a channel's remote categories."""

    search = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Words, each anywhere in the path or the id."
    )
    leaf = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: only leaves; false: only parents."
    )
    # the metaclass pops declared fields, so this does not shadow Field.parent at run time
    parent = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, max_length=128, help_text="The children of this remote id (empty: roots)."
    )
