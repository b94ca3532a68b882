from django.contrib import admin

from planner.sites.models import ComparisonRun, SiteComparison

admin.site.register(SiteComparison)
admin.site.register(ComparisonRun)
