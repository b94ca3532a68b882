"""API tokens: a page to create (rotate) and revoke your token, and the API endpoints for scripts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from planner.api.errors import FieldErrors, flatten
from planner.api.serializers import TokenSerializer
from planner.api.views.base import PlannerView
from planner.login_throttle import login_wait_s, too_many_attempts_message


def token_rotate(*, user) -> Token:
    """A fresh token for the user; the old one (if any) stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def token_revoke(*, user) -> bool:
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


@login_required
@require_http_methods(["GET", "POST"])
def token_page(request: HttpRequest) -> HttpResponse:
    """/api/v1/tokens/: see whether you hold a token, create (rotate) or revoke it."""
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_key = token_rotate(user=request.user).key
        elif action == "revoke":
            if token_revoke(user=request.user):
                messages.success(request, "Your API token is revoked; requests with it are refused from now on.")
            return redirect("api-tokens")
        else:
            return HttpResponse("action must be create or revoke", status=400, content_type="text/plain")
    token = Token.objects.filter(user=request.user).first()
    context = {"token": token, "new_key": new_key, "schema_url": "api-docs"}
    return render(request, "api/tokens.html", context)


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})


class TokenView(PlannerView):
    """POST username + password → your token (created if you have none); DELETE revokes it."""

    serializer_class = TokenSerializer

    def _exchanging(self) -> bool:
        request = getattr(self, "request", None)
        return request is not None and request.method == "POST"

    def get_permissions(self):
        return [AllowAny()] if self._exchanging() else super().get_permissions()

    def get_authenticators(self):
        # The password exchange needs no session, so it needs no CSRF token either.
        return [] if self._exchanging() else super().get_authenticators()

    @extend_schema(
        summary="Exchange username and password for your API token",
        operation_id="token_obtain",
        request=TokenObtainSerializer,
        responses={200: TokenSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data)
        if not serializer.is_valid():
            raise FieldErrors(flatten(serializer.errors))
        wait_s = login_wait_s(request=request._request, username=serializer.validated_data["username"])
        if wait_s is not None:
            raise exceptions.Throttled(wait=wait_s, detail=too_many_attempts_message(wait_s))
        user = authenticate(request._request, **serializer.validated_data)
        if user is None or not user.is_active:
            raise FieldErrors({"password": ["wrong username or password"]}, detail="Wrong username or password.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "created": token.created})

    @extend_schema(
        summary="Revoke your API token",
        operation_id="token_revoke",
        responses={204: OpenApiResponse(description="revoked")},
        tags=["auth"],
    )
    def delete(self, request: Request) -> Response:
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
