from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse request bodies larger than NARA_MAX_REQUEST_BYTES with 413 before reading them,
    and URLs carrying NUL characters with 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.NARA_MAX_REQUEST_BYTES:
            message = _("The request is too large.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            response = TemplateResponse(
                request, "errors/413.html", {"message": message}, status=413
            )
            return response.render()
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            # NUL is never meaningful in a URL, and PostgreSQL refuses it in text.
            if request.path.startswith("/api/"):
                return JsonResponse({"errors": {"__all__": [_("Invalid characters.")]}}, status=400)
            return HttpResponseBadRequest(_("Invalid characters."))
        return self.get_response(request)
