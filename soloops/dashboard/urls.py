from django.urls import path

from soloops.dashboard import views

app_name = "dashboard"
urlpatterns = [path("", views.home, name="home")]
