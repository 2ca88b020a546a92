from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0031_support_views')]

    initial = False

    # Tickets written before this migration are counted by `crm-graphql rollups rebuild
    # --only first_response_samples --only resolution_samples`. The samples of resolution
    # times carry the SLA attainment per agent that `rollup_resolved_assignee` kept.

    operations = [
        ops.CreateModel(
            name='FirstResponseSamples',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='The day (cell key).', max_length=20)),
                ('day', fields.DatetimeField(description='Start of the UTC day.', auto_now=False, auto_now_add=False)),
                ('entries', fields.BinaryField(description='8-byte little-endian signed integers: key * 2**32 + value entered, its complement left.')),
            ],
            options={'table': 'samples_first_response', 'app': 'models', 'pk_attr': 'cell', 'table_description': "Per UTC day of the first reply: each ticket's assignee and first-response time."},
            bases=['SampleCell'],
        ),
        ops.CreateModel(
            name='ResolutionSamples',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='The day (cell key).', max_length=20)),
                ('day', fields.DatetimeField(description='Start of the UTC day.', auto_now=False, auto_now_add=False)),
                ('entries', fields.BinaryField(description='8-byte little-endian signed integers: key * 2**32 + value entered, its complement left.')),
            ],
            options={'table': 'samples_resolution', 'app': 'models', 'pk_attr': 'cell', 'table_description': "Per UTC day of solving: each ticket's assignee and resolution time."},
            bases=['SampleCell'],
        ),
        ops.DeleteModel(name='ResolvedAssigneeRollup'),
    ]
