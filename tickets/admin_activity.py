"""Admin for the work log: the governed list of activity kinds (leads manage it) and the
logged work itself, read-only (work is logged through tickets.services.log_activity)."""

from django.contrib import admin

from .models_activity import Activity, ActivityKind


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "name_en", "active")
    list_filter = ("active",)
    search_fields = ("code", "name_vi", "name_en")

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        # Logged work refers to its kind; retire a kind by unticking "active".
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "agent", "ticket", "interaction", "minutes")
    list_filter = ("kind",)
    list_select_related = ("kind", "agent", "ticket", "interaction")
    raw_id_fields = ("ticket", "interaction", "agent")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
