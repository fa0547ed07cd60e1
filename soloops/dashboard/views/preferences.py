"""The person's own preferences: the console language."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from soloops.accounts.services import user_set_language
from soloops.dashboard.access import VIEWER, console_view
from soloops.errors import ApplicationError


@require_POST
@console_view(VIEWER, write_role=VIEWER)  # everyone may choose their own language
def language(request):
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    chosen = request.POST.get("language", "")
    response = HttpResponseRedirect(next_url)
    try:
        user_set_language(user=request.user, language=chosen, actor=request.actor)
    except ApplicationError:
        return response  # an unknown code changes nothing; the page stays as it was
    translation.activate(chosen)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, chosen, samesite="Lax")
    return response


urlpatterns = [path("preferences/language", language, name="language")]
