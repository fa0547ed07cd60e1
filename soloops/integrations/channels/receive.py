"""``POST /webhooks/channels/<id>``: where a Shopify or WooCommerce store sends its order
webhooks. The signature is the authentication (no session, no CSRF token); the body is stored
raw and answered at once; the worker makes the order."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from soloops.errors import NotFound
from soloops.integrations.services import channels

MAX_BODY = 2_500_000


@csrf_exempt
@require_POST
def channel_webhook(request, channel_id: int):
    try:
        channel = channels.channel_get(channel_id=channel_id)
    except NotFound:
        return JsonResponse({"code": "channel_not_found", "message": "no such channel"}, status=404)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"code": "body_too_large", "message": "body too large"}, status=413)
    status, body = channels.channel_webhook_receive(
        channel=channel, body=request.body, headers=request.headers
    )
    return JsonResponse(body, status=status)
