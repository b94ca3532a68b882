"""Organisations: members and their roles (viewer, planner, admin)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from planner.scenarios import selectors, services
from planner.scenarios.models import Role
from planner.scenarios.views.common import require_admin


def _organisation(request: HttpRequest, organisation_id: int):
    organisation = selectors.organisations_for_user(request.user).filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404("No such organisation")
    return organisation


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_for_user(request.user)
    if organisations.count() == 1:
        return redirect("organisation-detail", organisation_id=organisations.get().pk)
    return render(request, "organisations/list.html", {"organisations": organisations})


@login_required
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    role = selectors.role_in(request.user, organisation.pk)
    context = {
        "organisation": organisation,
        "members": selectors.members_of(organisation.pk),
        "my_role": role,
        "is_admin": role == Role.ADMIN,
        "roles": Role.choices,
    }
    return render(request, "organisations/detail.html", context)


@login_required
@require_POST
def organisation_member_set(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    require_admin(request.user, organisation.pk)
    username = request.POST.get("username", "").strip()
    role = request.POST.get("role", "")
    try:
        services.membership_set(organisation=organisation, username=username, role=role, by=request.user)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{username} is now {role} in {organisation.name}.")
    return redirect("organisation-detail", organisation_id=organisation.pk)
