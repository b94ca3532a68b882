from django.contrib import admin

from planner.scenarios.models import Membership, Organisation, Run, RunLevers, Scenario, ScenarioRevision, Upload


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    inlines = [MembershipInline]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "owner", "version", "updated_at"]
    list_filter = ["organisation"]
    search_fields = ["name"]


@admin.register(ScenarioRevision)
class ScenarioRevisionAdmin(admin.ModelAdmin):
    list_display = ["scenario", "version", "author", "created_at"]


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["id", "scenario", "status", "stage", "attempts", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["inputs", "result"]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "uploaded_by", "created_at"]
    list_filter = ["kind", "organisation"]
    exclude = ["npz"]


@admin.register(RunLevers)
class RunLeversAdmin(admin.ModelAdmin):
    list_display = ["run"]
