from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("educators", "0002_leader_release"),
    ]

    operations = [
        migrations.AddField(
            model_name="leaderrelease",
            name="audit_state",
            field=models.BinaryField(editable=False, null=True),
        ),
    ]
