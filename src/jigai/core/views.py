"""Small helpers shared by the views of every app."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect

from jigai.core.errors import BusinessError, require


def capability_required(*capabilities: str):
    """Refuse the view (403) unless the user holds every listed capability."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            for cap in capabilities:
                require(request.user, cap)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def refuse(request, error: BusinessError, to: str, *args):
    """Show a service refusal as a message and go back; nothing was changed."""
    messages.error(request, error.message)
    for line in error.details:
        messages.error(request, line)
    return redirect(to, *args)


def bad_request(request, exception=None):
    """The 400 page (``handler400``): a malformed parameter's message, in the user's
    language, when the refusal carries one (``BadParameter``)."""
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    message = exception.message if isinstance(exception, BusinessError) else None
    return render(
        request,
        "400.html",
        {"message": message or _("The request could not be understood.")},
        status=400,
    )
