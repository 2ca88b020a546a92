from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0026_views_fast')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReceivableCustomerTally',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='customer|currency.', max_length=40)),
                ('customer_id', fields.IntField()),
                ('currency', fields.CharField(max_length=3)),
                ('invoices', fields.BigIntField(default=0, description='Open invoices and credit notes.')),
                ('balance_cents', fields.BigIntField(default=0, description='Sum of their balances in cents.')),
            ],
            options={'table': 'rollup_receivable_customer', 'app': 'models', 'indexes': [Index(fields=['customer_id'])], 'pk_attr': 'cell', 'table_description': 'Per customer and currency: the open invoices and credit notes and their balances'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReceivableDueTally',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='currency|due date.', max_length=40)),
                ('currency', fields.CharField(max_length=3)),
                ('due_date', fields.DateField(null=True)),
                ('invoices', fields.BigIntField(default=0, description='Open invoices and credit notes.')),
                ('balance_cents', fields.BigIntField(default=0, description='Sum of their balances in cents.')),
            ],
            options={'table': 'rollup_receivable_due', 'app': 'models', 'indexes': [Index(fields=['currency', 'due_date'])], 'pk_attr': 'cell', 'table_description': 'Per currency and due date: the open invoices and credit notes (ISSUED and'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['customer_id', 'status', 'currency', 'due_date', 'balance']),
        ),
        # Added before the index it replaces: the customer's foreign key needs one of them.
        ops.RemoveIndex(
            model_name='Invoice',
            name=None,
            fields=['customer_id', 'status'],
        ),
        # The ageing reads its customers top down: largest open balance first, ties by the
        # lower customer ID.
        ops.RunSQL(
            [
                "CREATE INDEX rollup_receivable_customer_rank ON rollup_receivable_customer "
                "(currency, balance_cents DESC, customer_id)",
            ]
        ),
    ]
