from soloops.dashboard.views import (
    alerts,
    decisions,
    diagrams,
    flows,
    orders,
    preferences,
    products,
    purchase_order_lines,
    purchasing,
    settings,
    today,
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
    *settings.urlpatterns,
    *alerts.urlpatterns,
    *preferences.urlpatterns,
]
