from django.urls import path

from . import views

app_name = "prompts"

urlpatterns = [
    path("", views.library, name="library"),
    path("saved/", views.saved, name="saved"),
    path("sets/<slug:slug>/", views.set_detail, name="set"),
    path("sets/<slug:slug>/follow/", views.set_follow, name="set_follow"),
    path("<int:prompt_id>/mark/", views.prompt_mark, name="mark"),
]
