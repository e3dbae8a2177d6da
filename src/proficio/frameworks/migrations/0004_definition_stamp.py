import uuid

from django.db import migrations, models


def first_stamp(apps, schema_editor):
    apps.get_model("frameworks", "DefinitionStamp").objects.create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0003_translations_and_home_support"),
    ]

    operations = [
        migrations.CreateModel(
            name="DefinitionStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(first_stamp, migrations.RunPython.noop),
    ]
