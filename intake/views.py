"""Staff pages of photo intake: upload, list with dashboard counts, item with live status, review, control."""

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.mixins import forbidden_response, no_role_response
from accounts.roles import can_see_all_intake, can_view
from common.errors import ApplicationError

from .choices import IntakeStatus, LogLevel, PhaseName
from .forms import IntakeReviewForm, IntakeUploadForm
from .models import IntakeItem
from .permissions import can_use_intake
from .selectors import intake_dashboard_counts, intake_item_get, intake_item_list, intake_log_list
from .services import PIPELINE, intake_item_create, intake_phase_retry, intake_review, intake_start, intake_stop
from .services import photo_bytes as read_photo

LIST_LIMIT = 200  # newest items shown on the list page


class IntakeAccessMixin(LoginRequiredMixin):
    request: Any
    kwargs: Any

    """Login, then an intake role (or supervisor/admin); a 403 page otherwise, never a traceback."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can_use_intake(request.user):
            if not can_view(request.user):
                return no_role_response(request)
            return forbidden_response(request, area="intake", message="Photo intake needs the intake role.")
        return super().dispatch(request, *args, **kwargs)

    def get_item(self) -> IntakeItem:
        try:
            return intake_item_get(user=self.request.user, pk=self.kwargs["pk"])
        except IntakeItem.DoesNotExist as exc:
            raise Http404("No such intake item.") from exc


def _item_status(item: IntakeItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "status": item.status,
        "status_display": item.get_status_display(),
        "current_phase": item.current_phase,
        "is_running": item.is_running,
        "requires_review": item.requires_review,
        "confidence": item.confidence,
        "error_message": item.error_message,
        "phases": {p.phase: p.status for p in item.phases.all()},
        "photos": {str(p.pk): {"verdict": p.verdict, "reasons": p.retake_reasons} for p in item.photos.all()},
    }


# --- List and dashboard ---


class IntakeItemListView(IntakeAccessMixin, TemplateView):
    template_name = "intake/intakeitem_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        context["items"] = intake_item_list(user=self.request.user, status=status)[:LIST_LIMIT]
        context["counts"] = intake_dashboard_counts(user=self.request.user)
        context["sees_all"] = can_see_all_intake(self.request.user)
        context["statuses"] = IntakeStatus.choices
        context["status"] = status
        return context


class IntakeListStatusView(IntakeAccessMixin, View):
    """JSON polled by static/js/intake.js on the list page: counts and each visible item's status."""

    def get(self, request):
        items = intake_item_list(user=request.user)[:LIST_LIMIT]
        return JsonResponse(
            {
                "counts": intake_dashboard_counts(user=request.user),
                "items": {
                    str(i.pk): {
                        "status": i.status,
                        "status_display": i.get_status_display(),
                        "confidence": i.confidence,
                    }
                    for i in items
                },
            }
        )


# --- Upload ---


class IntakeUploadView(IntakeAccessMixin, FormView):
    template_name = "intake/intakeitem_upload.html"
    form_class = IntakeUploadForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        try:
            item = intake_item_create(
                owner=self.request.user,
                photos=self.request.FILES.getlist("photos"),
                hint_name=form.cleaned_data["hint_name"],
                hint_model=form.cleaned_data["hint_model"],
                hint_condition=form.cleaned_data["hint_condition"],
                hint_channels=list(form.cleaned_data["hint_channels"]),
            )
        except ApplicationError as exc:
            for problem in exc.extra.get("errors") or [exc.message]:
                form.add_error(None, problem)
            return self.form_invalid(form)
        messages.success(self.request, f"Intake #{item.pk} uploaded; the photo check runs now.")
        return redirect("intake:item_detail", pk=item.pk)


# --- One item ---


class IntakeItemDetailView(IntakeAccessMixin, TemplateView):
    template_name = "intake/intakeitem_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.get_item()
        phases = {p.phase: p for p in item.phases.all()}
        context.update(
            item=item,
            photos=list(item.photos.all()),
            phase_rows=[(name, PhaseName(name).label, phases.get(name)) for name in PIPELINE],
            fields=sorted(item.fields.items(), key=lambda kv: kv[0]),
            logs=intake_log_list(
                item=item, phase=self.request.GET.get("phase", ""), level=self.request.GET.get("level", "")
            ),
            log_phases=PhaseName.choices,
            log_levels=LogLevel.choices,
            review_form=kwargs.get("review_form") or self._review_form(item),
            analysis=phases.get(PhaseName.ANALYSIS),
            research=phases.get(PhaseName.RESEARCH),
            seo=phases.get(PhaseName.SEO),
        )
        return context

    def _review_form(self, item: IntakeItem) -> IntakeReviewForm | None:
        if item.status != IntakeStatus.NEEDS_REVIEW:
            return None
        initial = {name: (field or {}).get("value") for name, field in item.fields.items()}
        return IntakeReviewForm(initial=initial)


class IntakeItemStatusView(IntakeAccessMixin, View):
    """JSON polled by static/js/intake.js on the item page."""

    def get(self, request, pk):
        return JsonResponse(_item_status(self.get_item()))


class _ItemActionView(IntakeAccessMixin, View):
    def act(self, item: IntakeItem) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        item = self.get_item()
        try:
            messages.success(request, self.act(item))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("intake:item_detail", pk=item.pk)


class IntakeItemStartView(_ItemActionView):
    def act(self, item):
        intake_start(item=item, user=self.request.user, phase=self.request.POST.get("phase") or None)
        return "Started."


class IntakeItemStopView(_ItemActionView):
    def act(self, item):
        intake_stop(item=item, user=self.request.user)
        return "Stop requested; the phase stops at its next step."


class IntakeItemRetryView(_ItemActionView):
    def act(self, item):
        intake_phase_retry(item=item, phase=self.request.POST.get("phase", ""), user=self.request.user)
        return "Retry queued."


class IntakeItemReviewView(IntakeAccessMixin, View):
    def post(self, request, pk):
        item = self.get_item()
        form = IntakeReviewForm(request.POST)
        if form.is_valid():
            try:
                intake_review(item=item, fields=form.service_fields(), user=request.user)
            except ApplicationError as exc:
                form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, exc.message)
            else:
                messages.success(request, "Review saved; the pipeline resumes.")
                return redirect("intake:item_detail", pk=item.pk)
        view = IntakeItemDetailView()
        view.setup(request, pk=pk)
        context = view.get_context_data(review_form=form)
        return view.render_to_response(context, status=400)


class IntakePhotoView(IntakeAccessMixin, View):
    """A photo (or, with ?box=x,y,w,h, the crop that is a field's evidence), only to users who may see the item."""

    def get(self, request, pk, photo_pk):
        item = self.get_item()
        photo = item.photos.filter(pk=photo_pk).first()
        if photo is None:
            raise Http404("No such photo.")
        data = read_photo(photo)
        box = request.GET.get("box", "")
        if box:
            data = _crop(data, box)
            content_type = "image/png"
        else:
            content_type = photo.content_type
        response = HttpResponse(data, content_type=content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _crop(data: bytes, box: str) -> bytes:
    from PIL import Image

    try:
        x, y, w, h = (max(0, int(v)) for v in box.split(","))
    except ValueError as exc:
        raise Http404("Bad crop box.") from exc
    img = Image.open(io.BytesIO(data))
    margin = 12
    crop = img.crop((max(0, x - margin), max(0, y - margin), x + w + margin, y + h + margin))
    out = io.BytesIO()
    crop.convert("RGB").save(out, "PNG")
    return out.getvalue()
