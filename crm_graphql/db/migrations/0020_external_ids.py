from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0019_automation_runs')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Customer',
            name='external_id',
            field=fields.CharField(null=True, db_index=True, description='The ID in another system.', max_length=100),
        ),
        ops.AddIndex(
            model_name='Customer',
            index=Index(fields=['phone']),
        ),
        ops.AddIndex(
            model_name='Lead',
            index=Index(fields=['phone']),
        ),
    ]
