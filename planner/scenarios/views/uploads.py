"""Hourly file uploads: list, upload with a preview, and the parsed series as JSON."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from planner.scenarios import selectors, services
from planner.scenarios.forms import UploadForm
from planner.scenarios.uploads import UploadError


@login_required
@require_GET
def upload_list(request: HttpRequest) -> HttpResponse:
    uploads = selectors.uploads_for_user(request.user).defer("npz")
    can_upload = selectors.editable_organisations(request.user).exists()
    return render(request, "uploads/list.html", {"uploads": uploads, "can_upload": can_upload})


@login_required
def upload_create(request: HttpRequest) -> HttpResponse:
    editable = selectors.editable_organisations(request.user)
    if not editable.exists():
        raise PermissionDenied("You need the planner role in an organisation to upload files.")
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        organisations=editable,
        initial={"organisation": editable.first(), "kind": request.GET.get("kind", "carbon")},
    )
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = services.upload_create(
                organisation=form.cleaned_data["organisation"],
                uploaded_by=request.user,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                content=file.read(),
                filename=file.name,
                column=form.cleaned_data["column"] or None,
                year=form.cleaned_data["year"],
                scale=form.scale(),
            )
        except UploadError as error:
            form.add_error("file", f"{file.name}: {error}")
        else:
            messages.success(request, f"Read “{upload.name}”: check the preview below.")
            return redirect("upload-detail", upload_id=upload.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "uploads/form.html", {"form": form}, status=status)


@login_required
@require_GET
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = selectors.upload_for_user(request.user, upload_id)
    return render(request, "uploads/detail.html", {"upload": upload, "summary": upload.summary})


@login_required
@require_GET
def upload_data(request: HttpRequest, upload_id: int) -> JsonResponse:
    upload = selectors.upload_for_user(request.user, upload_id)
    summary = upload.summary
    return JsonResponse(
        {
            "name": upload.name,
            "kind": upload.kind,
            "unit": summary.get("unit"),
            "daily_mean": summary.get("daily_mean", []),
            "daily_min": summary.get("daily_min", []),
            "daily_max": summary.get("daily_max", []),
            "daily_shape": summary.get("daily_shape"),
        }
    )
