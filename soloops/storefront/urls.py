from django.urls import path

from soloops.storefront import checkout, contact, marketing, views

app_name = "storefront"
urlpatterns = [
    path("", views.products, name="products"),
    path("p/<slug:slug>/", views.product, name="product"),
    path("cart/", views.cart, name="cart"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/summary/", checkout.summary, name="checkout_summary"),
    # The old one-page order form: its links now lead to the cart.
    path("order/", checkout.old_order_form, name="order"),
    path("orders/<slug:token>/", checkout.order_confirmation, name="confirmation"),
    path("orders/<slug:token>/pay/", checkout.order_pay, name="pay"),
    path("orders/<slug:token>/ask/", contact.ask, name="ask"),
    path("contact/", contact.contact, name="contact"),
    path("rate/<slug:token>/<slug:rating>/", contact.rate, name="rate"),
    # Marketing email: signed tokens (letters, digits, "-", "_" and ":").
    path("unsubscribe/<str:token>/", marketing.unsubscribe_view, name="unsubscribe"),
    path("go/<str:token>/", marketing.click_view, name="marketing_click"),
]
