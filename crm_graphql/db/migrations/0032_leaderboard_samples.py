from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0031_support_views')]

    initial = False

    # Tickets written before this migration are counted by `crm-graphql rollups rebuild
    # --only first_response_samples --only resolution_samples`.

    operations = [
        ops.CreateModel(
            name='FirstResponseSamples',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='month|key values.', max_length=60)),
                ('month', fields.DatetimeField(description='Start of the UTC month.', auto_now=False, auto_now_add=False)),
                ('entries', fields.BinaryField(description='8-byte little-endian signed integers: v entered, -v - 1 left.')),
                ('assignee_id', fields.IntField(null=True)),
            ],
            options={'table': 'samples_first_response_assignee', 'app': 'models', 'pk_attr': 'cell', 'table_description': 'Per UTC month of the first reply and assignee, the first-response times.'},
            bases=['SampleCell'],
        ),
        ops.CreateModel(
            name='ResolutionSamples',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='month|key values.', max_length=60)),
                ('month', fields.DatetimeField(description='Start of the UTC month.', auto_now=False, auto_now_add=False)),
                ('entries', fields.BinaryField(description='8-byte little-endian signed integers: v entered, -v - 1 left.')),
                ('assignee_id', fields.IntField(null=True)),
            ],
            options={'table': 'samples_resolution_assignee', 'app': 'models', 'pk_attr': 'cell', 'table_description': 'Per UTC month of solving and assignee, the resolution times.'},
            bases=['SampleCell'],
        ),
    ]
