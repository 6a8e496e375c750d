"""Mirrors dandiapi/api/admin.py: the user admin with the metadata inline and a status filter.

Editing the status here sends no email and leaves is_active alone, as in the real admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User

from dandiapi.api.models import UserMetadata


class UserMetadataInline(admin.StackedInline):
    model = UserMetadata
    fields = ["status", "questionnaire_form", "rejection_reason"]
    can_delete = False


class UserAdmin(BaseUserAdmin):
    inlines = [UserMetadataInline]
    list_display = ["email", "first_name", "last_name", "status", "date_joined"]
    list_filter = ["metadata__status", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "username", "first_name", "last_name"]

    @admin.display(ordering="metadata__status")
    def status(self, obj):
        metadata = getattr(obj, "metadata", None)
        return metadata.status if metadata else None


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
