from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from soloops.accounts import login as accounts_login
from soloops.api import not_found as api_not_found
from soloops.api import urls as api_urls
from soloops.automation import selectors as automation_selectors
from soloops.automation import views as automation_views
from soloops.integrations.channels import receive as channel_receive
from soloops.marketing import webhooks as marketing_webhooks
from soloops.monitoring import views as monitoring_views
from soloops.monitoring.services import metrics_gauge_add
from soloops.payments import webhooks as payment_webhooks
from soloops.support import webhooks as support_webhooks

# The flow engine sits beside monitoring (neither imports the other): its figures for
# /metrics are handed over here, by the layer above both.
metrics_gauge_add(
    name="soloops_flow_runs",
    help="Flow runs by status.",
    label="status",
    read=automation_selectors.run_counts_by_status,
)
metrics_gauge_add(
    name="soloops_deliveries",
    help="Handler deliveries not done, by status (failed: retrying; gave_up: failed-job inbox).",
    label="status",
    read=automation_selectors.delivery_counts_by_status,
)

# The admin logs in through the same throttle as the console.
admin.site.login_form = accounts_login.AdminLoginForm

urlpatterns = [
    path("healthz", monitoring_views.healthz, name="healthz"),
    path("readyz", monitoring_views.readyz, name="readyz"),
    path("metrics", monitoring_views.metrics, name="metrics"),
    # Clients that ask for /favicon.ico themselves (feed readers, bookmarks) get the SVG icon.
    path("favicon.ico", RedirectView.as_view(url=static("soloops/favicon.svg"), permanent=True)),
    # Paths under /api/ that no API route matches (the bare root included) get the API's
    # JSON 404 rather than Django's HTML page.
    re_path(r"^api/$", api_not_found),
    path("api/", api_urls()),
    re_path(r"^api/", api_not_found),
    path("hooks/flows/<str:secret>", automation_views.flow_webhook, name="flow-webhook"),
    path("webhooks/stripe", payment_webhooks.stripe_webhook, name="stripe-webhook"),
    path(
        "webhooks/channels/<int:channel_id>",
        channel_receive.channel_webhook,
        name="channel-webhook",
    ),
    path("webhooks/support/email", support_webhooks.inbound_email, name="support-email"),
    path("webhooks/marketing/feedback", marketing_webhooks.feedback, name="marketing-feedback"),
    path("login/", accounts_login.LoginView.as_view(), name="login"),
    path("login/code/", accounts_login.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("shop/", include("soloops.storefront.urls")),
    path("", include("soloops.dashboard.urls")),
]
