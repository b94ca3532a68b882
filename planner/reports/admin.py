from django.contrib import admin

from planner.reports.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "kind", "status", "size_bytes", "compute_s", "created_at"]
    list_filter = ["kind", "status"]
    exclude = ["content"]
    readonly_fields = ["run", "kind", "status", "error", "filename", "size_bytes", "attempts", "compute_s"]
