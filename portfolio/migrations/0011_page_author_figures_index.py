from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portfolio', '0010_revision_created_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='page',
            index=models.Index(fields=['author', 'cohort', 'status', 'visibility', 'submitted_at'], name='page_author_figures'),
        ),
    ]
