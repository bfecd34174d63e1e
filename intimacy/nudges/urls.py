from django.urls import path

from . import views

app_name = "nudges"

urlpatterns = [
    path("settings/nudges/", views.preferences, name="preferences"),
    path("nudges/", views.inbox, name="inbox"),
    path("n/<str:token>/", views.open_link, name="open"),
    path("nudges/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
