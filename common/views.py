"""Shared pieces of the staff pages: service-error mapping (access mixins: accounts.mixins; pagination:
common.pagination)."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseForm

from common.errors import ApplicationError


def add_service_errors(form: BaseForm, exc: ValidationError | ApplicationError, *, prefix: str = "") -> None:
    """Put a service's refusal next to the fields it names, or at the top of the form."""
    if isinstance(exc, ApplicationError):
        form.add_error(None, f"{prefix}{exc.message}")
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                message = " ".join(error.messages)
                if field in form.fields and field != NON_FIELD_ERRORS:
                    form.add_error(field, f"{prefix}{message}")
                elif field == NON_FIELD_ERRORS:
                    form.add_error(None, f"{prefix}{message}")
                else:
                    form.add_error(None, f"{prefix}{field}: {message}")
        return
    for message in exc.messages:
        form.add_error(None, f"{prefix}{message}")


def error_text(exc: ValidationError | ApplicationError) -> str:
    """A refusal as one readable sentence for a flash message."""
    if isinstance(exc, ApplicationError):
        return exc.message
    if hasattr(exc, "error_dict"):
        return " ".join(
            f"{'' if field == NON_FIELD_ERRORS else field + ': '}{' '.join(e.messages)}"
            for field, errors in exc.error_dict.items()
            for e in errors
        )
    return " ".join(exc.messages)
