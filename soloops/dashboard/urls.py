from soloops.dashboard.views import (
    decisions,
    diagrams,
    flows,
    orders,
    preferences,
    products,
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
    *diagrams.urlpatterns,
    *flows.urlpatterns,
    *settings.urlpatterns,
    *preferences.urlpatterns,
]
