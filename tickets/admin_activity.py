"""Admin for the work log's governed list of activity kinds (leads manage it). The logged work
itself is shown on the ticket page and written through tickets.services.log_activity."""

from django.contrib import admin

from .models_activity import ActivityKind


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "name_en", "active")
    list_filter = ("active",)
    search_fields = ("code", "name_vi", "name_en")

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        # Logged work refers to its kind; retire a kind by unticking "active".
        return False
