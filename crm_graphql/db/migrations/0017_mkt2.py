from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0016_integration')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Campaign',
            name='tracking_code',
            field=fields.CharField(null=True, unique=True, description='The utm_campaign value of its links: web-form leads carrying it come from it.', max_length=100),
        ),
        ops.AddField(
            model_name='Lead',
            name='campaign',
            field=fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, description='The campaign it came from (its primary campaign source).', db_constraint=True, to_field='id', related_name='leads', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddIndex(
            model_name='Lead',
            index=Index(fields=['campaign_id', 'status']),
        ),
        ops.AddField(
            model_name='LeadForm',
            name='campaign',
            field=fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, description='The campaign its leads come from, unless a submission names another.', db_constraint=True, to_field='id', related_name='lead_forms', on_delete=OnDelete.SET_NULL),
        ),
    ]
