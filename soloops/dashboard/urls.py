from soloops.dashboard.views import (
    channels,
    decisions,
    diagrams,
    flows,
    imports,
    insights,
    orders,
    preferences,
    products,
    purchase_order_lines,
    purchasing,
    settings,
    today,
    webhooks,
)

app_name = "dashboard"
urlpatterns = [
    *today.urlpatterns,
    *orders.urlpatterns,
    *decisions.urlpatterns,
    *products.urlpatterns,
    *purchasing.urlpatterns,
    *purchase_order_lines.urlpatterns,
    *diagrams.urlpatterns,
    *flows.urlpatterns,
    *insights.urlpatterns,
    *settings.urlpatterns,
    *imports.urlpatterns,
    *webhooks.urlpatterns,
    *channels.urlpatterns,
    *preferences.urlpatterns,
]
