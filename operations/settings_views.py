"""The runtime settings page (docs/configuration.md#runtime-settings): admins only; every change goes through
accounts' runtime_setting_set, the same service as the API and the admin."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from accounts.runtime_settings import runtime_settings_rows
from accounts.setting_services import runtime_setting_set
from operations.forms import RuntimeSettingsForm
from operations.views import AdminPageMixin


class RuntimeSettingsView(AdminPageMixin, View):
    template_name = "operations/settings.html"

    def _render(self, request: HttpRequest, form: RuntimeSettingsForm, status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {"form": form, "tab": "settings"}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, RuntimeSettingsForm(settings_rows=runtime_settings_rows()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RuntimeSettingsForm(request.POST, settings_rows=runtime_settings_rows())
        if not form.is_valid():
            return self._render(request, form, status=400)
        saved = []
        for key, raw in form.changes().items():
            try:
                runtime_setting_set(key=key, raw_value=raw, user=request.user)
            except ValidationError as exc:
                errors: Any = exc.message_dict if hasattr(exc, "error_dict") else {"value": exc.messages}
                for message in [m for ms in errors.values() for m in ms]:
                    form.add_error(key, message)
            else:
                saved.append(key)
        if form.errors:
            if saved:
                messages.success(request, f"Saved: {', '.join(saved)}.")
            return self._render(request, form, status=400)
        messages.success(request, f"Saved: {', '.join(saved)}." if saved else "Nothing changed.")
        return redirect("operations:settings")
