"""GET/PATCH /api/v1/settings/ (docs/configuration.md#runtime-settings): admins only, secrets masked, every
change through accounts' runtime_setting_set (400 naming the field on a bad value)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.runtime_settings import runtime_settings_rows
from accounts.setting_services import runtime_setting_set

from .permissions import AdminRolePermission

KEY_REGEX = r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+"


class RuntimeSettingSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    value = serializers.JSONField(source="shown_value", read_only=True, allow_null=True, help_text="Secrets: masked.")
    data_type = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    category = serializers.CharField(read_only=True)
    is_required = serializers.BooleanField(read_only=True)
    is_encrypted = serializers.BooleanField(read_only=True)
    validation_regex = serializers.CharField(read_only=True)
    default_value = serializers.JSONField(source="default_shown", read_only=True, allow_null=True)
    default_source = serializers.CharField(read_only=True, help_text="'code' or 'environment <NAME>'.")
    updated_at = serializers.DateTimeField(read_only=True)
    updated_by = serializers.CharField(source="updated_by.username", read_only=True, allow_null=True, default=None)


class RuntimeSettingUpdateSerializer(serializers.Serializer):
    value = serializers.JSONField(
        allow_null=True, help_text="The new value in the setting's type (JSON); null goes back to the default."
    )


class RuntimeSettingViewSet(viewsets.ViewSet):
    """Runtime settings by key. PATCH or PUT {"value": ...} changes one (typed, checked against its regex and
    rules, audited); a secret is accepted but never returned."""

    permission_classes = [AdminRolePermission]
    lookup_field = "key"
    lookup_value_regex = KEY_REGEX
    serializer_class = RuntimeSettingSerializer

    def _one(self, key: str) -> Any:
        rows = runtime_settings_rows(key=key)
        if not rows:
            raise exceptions.NotFound(f"There is no runtime setting {key!r}.")
        return rows[0]

    @extend_schema(responses={200: RuntimeSettingSerializer(many=True)})
    def list(self, request: Request) -> Response:
        return Response(RuntimeSettingSerializer(runtime_settings_rows(), many=True).data)

    @extend_schema(responses={200: RuntimeSettingSerializer})
    def retrieve(self, request: Request, key: str) -> Response:
        return Response(RuntimeSettingSerializer(self._one(key)).data)

    @extend_schema(request=RuntimeSettingUpdateSerializer, responses={200: RuntimeSettingSerializer})
    def partial_update(self, request: Request, key: str) -> Response:
        self._one(key)
        body = RuntimeSettingUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        runtime_setting_set(key=key, raw_value=body.validated_data["value"], user=request.user)
        return Response(RuntimeSettingSerializer(self._one(key)).data)

    @extend_schema(request=RuntimeSettingUpdateSerializer, responses={200: RuntimeSettingSerializer})
    def update(self, request: Request, key: str) -> Response:
        return self.partial_update(request, key)
