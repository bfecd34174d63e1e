from django.urls import path

from . import studio_views, views

app_name = "prompts"

urlpatterns = [
    path("", views.library, name="library"),
    path("saved/", views.saved, name="saved"),
    path("sets/<slug:slug>/", views.set_detail, name="set"),
    path("sets/<slug:slug>/follow/", views.set_follow, name="set_follow"),
    path("<id:prompt_id>/mark/", views.prompt_mark, name="mark"),
    path("offers/<id:offer_id>/answer/", views.offer_answer, name="offer_answer"),
    path("studio/", studio_views.studio, name="studio"),
    path("studio/prompts/new/", studio_views.prompt_edit, name="studio_prompt_new"),
    path("studio/prompts/<id:prompt_id>/", studio_views.prompt_edit, name="studio_prompt"),
    path("studio/sets/new/", studio_views.set_new, name="studio_set_new"),
    path("studio/import/", studio_views.set_import, name="studio_import"),
    path("studio/sets/<slug:slug>/", studio_views.set_edit, name="studio_set"),
    path("studio/sets/<slug:slug>/items/", studio_views.set_items, name="studio_set_items"),
    path("studio/sets/<slug:slug>/publish/", studio_views.set_publish, name="studio_set_publish"),
    path(
        "studio/sets/<slug:slug>/duplicate/",
        studio_views.set_duplicate,
        name="studio_set_duplicate",
    ),
    path("studio/sets/<slug:slug>/export/", studio_views.set_export, name="studio_set_export"),
    path("studio/sets/<slug:slug>/offer/", studio_views.set_offer, name="studio_set_offer"),
]
