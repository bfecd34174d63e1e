from django.contrib import admin

from .models import Prompt, PromptSet, PromptSetItem, SetOffer


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    """Staff moderate the library: archive a prompt to take it down everywhere."""

    list_display = ["text", "kind", "layer", "depth", "status", "author"]
    list_filter = ["status", "kind", "layer", "depth"]
    search_fields = ["text"]
    raw_id_fields = ["author"]


class PromptSetItemInline(admin.TabularInline):
    model = PromptSetItem
    extra = 0
    raw_id_fields = ["prompt"]


@admin.register(PromptSet)
class PromptSetAdmin(admin.ModelAdmin):
    list_display = ["title", "visibility", "status", "author", "last_published_at"]
    list_filter = ["status", "visibility"]
    search_fields = ["title", "slug"]
    raw_id_fields = ["author"]
    inlines = [PromptSetItemInline]


@admin.register(SetOffer)
class SetOfferAdmin(admin.ModelAdmin):
    list_display = ["prompt_set", "coach", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["couple", "prompt_set", "coach"]
