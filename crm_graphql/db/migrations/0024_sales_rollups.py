from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0023_module_rollups')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerInteractionsTally',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='customer.', max_length=40)),
                ('customer_id', fields.IntField()),
                ('interactions', fields.BigIntField(default=0, description='Interactions.')),
            ],
            options={'table': 'rollup_customer_interactions', 'app': 'models', 'indexes': [Index(fields=['customer_id'])], 'pk_attr': 'cell', 'table_description': 'Per customer: the interactions. Ranked by ``(interactions DESC, customer_id)``'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerOrdersTally',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='customer.', max_length=40)),
                ('customer_id', fields.IntField()),
                ('orders', fields.BigIntField(default=0, description='Orders that are not drafts.')),
            ],
            options={'table': 'rollup_customer_orders', 'app': 'models', 'indexes': [Index(fields=['customer_id'])], 'pk_attr': 'cell', 'table_description': 'Per customer: the orders that are not drafts. Ranked by ``(orders DESC,'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('created_at', fields.DatetimeField(null=True, description='Start of the quarter hour or day.', auto_now=False, auto_now_add=False)),
                ('lifecycle_stage', fields.CharField(max_length=16)),
                ('source', fields.CharField(max_length=16)),
            ],
            options={'table': 'rollup_customer', 'app': 'models', 'indexes': [Index(fields=['grain', 'created_at'])], 'pk_attr': 'cell', 'table_description': 'Customers not soft-deleted per quarter hour, day or month of creation, lifecycle'},
            bases=['RollupCell'],
        ),
        ops.CreateModel(
            name='CustomerValueTally',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='customer|currency.', max_length=40)),
                ('customer_id', fields.IntField()),
                ('currency', fields.CharField(max_length=3)),
                ('value_cents', fields.BigIntField(default=0, description='Sum of the totals in cents.')),
                ('orders', fields.BigIntField(default=0, description='PAID and SHIPPED orders.')),
            ],
            options={'table': 'rollup_customer_value', 'app': 'models', 'indexes': [Index(fields=['customer_id'])], 'pk_attr': 'cell', 'table_description': 'Per customer and currency: the PAID and SHIPPED orders and their totals (cents).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OpportunityStageRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('created_at', fields.DatetimeField(null=True, description='Start of the quarter hour or day.', auto_now=False, auto_now_add=False)),
                ('stage', fields.CharField(max_length=16)),
                ('currency', fields.CharField(max_length=3)),
                ('amount_cents', fields.BigIntField(default=0, description='Sum of the amounts in cents.')),
                ('amount_present', fields.BigIntField(default=0, description='Amounts given.')),
                ('probability', fields.BigIntField(default=0, description='Sum of the probabilities.')),
                ('probability_present', fields.BigIntField(default=0, description='Probabilities given.')),
                ('weighted_cents', fields.BigIntField(default=0, description='Sum of amount in cents x probability (cent-percents).')),
                ('weighted_present', fields.BigIntField(default=0, description='Weighted amounts given.')),
                ('close_micros', fields.BigIntField(default=0, description='Sum of the microseconds from creation to closing.')),
                ('close_present', fields.BigIntField(default=0, description='Closed opportunities.')),
            ],
            options={'table': 'rollup_opportunity_stage', 'app': 'models', 'indexes': [Index(fields=['grain', 'created_at'])], 'pk_attr': 'cell', 'table_description': 'Opportunities per quarter hour, day or month of creation, stage and currency, with'},
            bases=['RollupCell'],
        ),
        # The rankings read these top down: highest first, ties by the lower customer ID.
        ops.RunSQL(
            [
                "CREATE INDEX rollup_customer_value_rank ON rollup_customer_value "
                "(currency, value_cents DESC, customer_id)",
                "CREATE INDEX rollup_customer_orders_rank ON rollup_customer_orders "
                "(orders DESC, customer_id)",
                "CREATE INDEX rollup_customer_interactions_rank ON rollup_customer_interactions "
                "(interactions DESC, customer_id)",
            ]
        ),
    ]
