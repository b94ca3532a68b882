"""Reports become jobs of the shared lifecycle (planner.jobs): build_s is the job's compute_s,
and a built report's status "ready" is the job status "succeeded"."""

from django.db import migrations


def ready_to_succeeded(apps, schema_editor):
    apps.get_model("reports", "Report").objects.filter(status="ready").update(status="succeeded")


def succeeded_to_ready(apps, schema_editor):
    apps.get_model("reports", "Report").objects.filter(status="succeeded").update(status="ready")


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.RenameField(model_name="report", old_name="build_s", new_name="compute_s"),
        migrations.RunPython(ready_to_succeeded, succeeded_to_ready),
    ]
