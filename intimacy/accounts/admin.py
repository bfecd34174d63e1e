from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import CoachAccess, CoachLink, Couple, Invite, Membership, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_coach", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_coach", "is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "time_zone"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_coach", "is_staff", "is_superuser", "groups"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "display_name", "password1", "password2"]}),
    ]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Couple)
class CoupleAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "created_at", "paired_at", "ended_at"]
    list_filter = ["status"]
    inlines = [MembershipInline]


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["id", "couple", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    # Staff moderate accounts; they have no need to see live invite secrets.
    exclude = ["token", "code"]
    readonly_fields = ["couple", "created_by", "used_by"]


@admin.register(CoachLink)
class CoachLinkAdmin(admin.ModelAdmin):
    list_display = ["id", "couple", "coach", "status", "share_engagement", "share_reviews"]
    list_filter = ["status"]
    exclude = ["token", "code"]
    raw_id_fields = ["couple", "coach"]


@admin.register(CoachAccess)
class CoachAccessAdmin(admin.ModelAdmin):
    """The couples' own record: staff may read it, nobody may change it."""

    list_display = ["at", "couple", "coach", "what"]
    raw_id_fields = ["couple", "coach"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
