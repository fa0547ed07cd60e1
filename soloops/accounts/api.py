from datetime import datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from soloops.accounts import selectors, services
from soloops.accounts.actors import require_owner
from soloops.accounts.models import User
from soloops.api_input import In
from soloops.api_output import created
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["accounts"])


class MeOut(Schema):
    kind: str
    label: str
    role: str
    scopes: list[str]


@router.get("/me", response=MeOut, summary="Who is calling")
def me(request):
    actor = request.auth
    return {
        "kind": actor.kind,
        "label": actor.label,
        "role": actor.role,
        "scopes": sorted(actor.scopes),
    }


class TokenOut(Schema):
    id: int
    name: str
    user: str = Field(alias="user.username")
    prefix: str
    scope: str
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class TokenIn(In):
    name: str = Field(min_length=1, max_length=100)
    scope: str = "read"
    expires_at: datetime | None = None
    # The owner may issue a token for another user; everyone else gets their own.
    username: str | None = None


class TokenCreatedOut(TokenOut):
    secret: str


class TokenPage(PageOut):
    items: list[TokenOut]


@router.get("/tokens", response=TokenPage, summary="API tokens you may see, newest first, paged")
def tokens_list(request, paging: Query[PageParams]):
    return paginate(selectors.tokens_visible_to(actor=request.auth).order_by("-id"), paging)


@router.get("/tokens/{token_id}", response=TokenOut, summary="One token you may see")
def tokens_get(request, token_id: int):
    return selectors.token_get_for(actor=request.auth, token_id=token_id)


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create a token (shown once)")
def tokens_create(request, payload: TokenIn, response: HttpResponse):
    actor = request.auth
    user = get_object_or_404(User, pk=actor.user_id)
    if payload.username and payload.username != user.username:
        require_owner(actor)
        user = get_object_or_404(User, username=payload.username)
    issued = services.token_create(
        user=user,
        name=payload.name,
        scope=payload.scope,
        expires_at=payload.expires_at,
        actor=actor,
    )
    token = issued.token
    # Only this response's instance carries the secret; the model has no such field to save.
    token.secret = issued.secret
    return created(response, f"/tokens/{token.pk}", token)


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke a token")
def tokens_revoke(request, token_id: int):
    token = selectors.token_get_for(actor=request.auth, token_id=token_id)
    return services.token_revoke(token=token, actor=request.auth)
