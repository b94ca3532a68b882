"""The sign-in page with the password-guessing limit of planner.login_throttle."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse

from planner.login_throttle import login_wait_s, too_many_attempts_message


class ThrottledLoginView(auth_views.LoginView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait_s = login_wait_s(request=request, username=str(request.POST.get("username", "")))
        if wait_s is None:
            return super().post(request, *args, **kwargs)
        # The form is shown with the refusal as its error, without checking the password (setting
        # _errors directly keeps full_clean, and so authenticate(), from running).
        message = too_many_attempts_message(wait_s)
        form = self.get_form()
        form.cleaned_data = {}
        form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([message])})
        context = self.get_context_data(form=form, too_many_attempts=message)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait_s)
        return response
