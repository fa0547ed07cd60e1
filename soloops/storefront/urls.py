from django.urls import path

from soloops.storefront import views

app_name = "storefront"
urlpatterns = [
    path("", views.products, name="products"),
    path("order/", views.order_form, name="order"),
    path("orders/<slug:token>/", views.order_confirmation, name="confirmation"),
]
