from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0028_support_percentiles')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OpportunityWonRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('closed_at', fields.DatetimeField(null=True, description='Start of the quarter hour or day.', auto_now=False, auto_now_add=False)),
                ('owner_id', fields.IntField(null=True)),
                ('currency', fields.CharField(max_length=3)),
                ('amount_cents', fields.BigIntField(default=0, description='Sum of the amounts in cents.')),
                ('amount_present', fields.BigIntField(default=0, description='Amounts given.')),
            ],
            options={'table': 'rollup_opportunity_won', 'app': 'models', 'indexes': [Index(fields=['grain', 'closed_at'])], 'pk_attr': 'cell', 'table_description': 'Won opportunities per quarter hour, day or month of closing, owner and currency.'},
            bases=['RollupCell'],
        ),
        ops.CreateModel(
            name='OwnerPipelineTally',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='owner|currency.', max_length=40)),
                ('owner_id', fields.IntField(null=True)),
                ('currency', fields.CharField(max_length=3)),
                ('open_count', fields.BigIntField(default=0, description='Open opportunities.')),
                ('open_cents', fields.BigIntField(default=0, description='Sum of their amounts in cents.')),
            ],
            options={'table': 'rollup_owner_pipeline', 'app': 'models', 'indexes': [Index(fields=['owner_id'])], 'pk_attr': 'cell', 'table_description': 'Per owner and currency: the open opportunities and their amounts (cents).'},
            bases=['Model'],
        ),
    ]
