from tortoise import migrations
from tortoise.migrations import operations as ops
from crm_graphql.db.models import MoneyField
from crm_graphql.domains.billing.models import InvoiceKind, InvoiceStatus, PaymentMethod
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_marketing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Invoice',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(default=InvoiceKind.INVOICE, description='INVOICE: INVOICE\nCREDIT_NOTE: CREDIT_NOTE', enum_type=InvoiceKind, max_length=16)),
                ('series', fields.CharField(max_length=16)),
                ('number', fields.CharField(null=True, unique=True, max_length=32)),
                ('status', fields.CharEnumField(default=InvoiceStatus.DRAFT, description='DRAFT: DRAFT\nISSUED: ISSUED\nPARTIALLY_PAID: PARTIALLY_PAID\nPAID: PAID\nVOID: VOID', enum_type=InvoiceStatus, max_length=16)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.RESTRICT)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.SET_NULL)),
                ('corrects', fields.ForeignKeyField('models.Invoice', source_field='corrects_id', null=True, db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.RESTRICT)),
                ('currency', fields.CharField(max_length=3)),
                ('payment_terms_days', fields.IntField(null=True)),
                ('issue_date', fields.DateField(null=True)),
                ('due_date', fields.DateField(null=True)),
                ('issued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('subtotal', MoneyField(default=0)),
                ('tax_total', MoneyField(default=0)),
                ('total', MoneyField(default=0)),
                ('amount_paid', MoneyField(default=0)),
                ('amount_credited', MoneyField(default=0)),
                ('balance', MoneyField(default=0)),
                ('notes', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'invoice', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'status']), Index(fields=['created_at', 'id']), Index(fields=['status', 'currency', 'due_date', 'balance']), Index(fields=['status', 'currency', 'issue_date', 'total'])], 'pk_attr': 'id', 'table_description': 'An invoice or a credit note, with amounts computed from its lines.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='InvoiceCounter',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.CharField(max_length=16)),
                ('year', fields.IntField()),
                ('last_number', fields.IntField(default=0)),
            ],
            options={'table': 'invoice_counter', 'app': 'models', 'unique_together': (('series', 'year'),), 'pk_attr': 'id', 'table_description': 'The last number given in one series and year: locked while an invoice is issued.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='InvoiceLine',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='invoice_lines', on_delete=OnDelete.SET_NULL)),
                ('description', fields.CharField(max_length=500)),
                ('quantity', fields.IntField()),
                ('unit_price', MoneyField()),
                ('discount_percent', fields.DecimalField(default=0, max_digits=5, decimal_places=2)),
                ('tax_rate', fields.DecimalField(default=0, max_digits=5, decimal_places=2)),
                ('net_amount', MoneyField()),
                ('tax_amount', MoneyField()),
                ('gross_amount', MoneyField()),
            ],
            options={'table': 'invoice_line', 'app': 'models', 'indexes': [Index(fields=['invoice_id', 'position'])], 'pk_attr': 'id', 'table_description': 'One line of an invoice: what, how many, at what price, discount and tax rate.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Payment',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('amount', MoneyField()),
                ('currency', fields.CharField(max_length=3)),
                ('method', fields.CharEnumField(description='BANK_TRANSFER: BANK_TRANSFER\nCARD: CARD\nCASH: CASH\nCHECK: CHECK\nOTHER: OTHER', enum_type=PaymentMethod, max_length=16)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reference', fields.CharField(null=True, max_length=120)),
                ('unallocated', MoneyField(default=0)),
            ],
            options={'table': 'payment', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'received_at']), Index(fields=['created_at', 'id']), Index(fields=['currency', 'received_at', 'amount'])], 'pk_attr': 'id', 'table_description': 'Money received from (or, negative, refunded to) a customer.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='PaymentAllocation',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.CASCADE)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.RESTRICT)),
                ('amount', MoneyField()),
            ],
            options={'table': 'payment_allocation', 'app': 'models', 'indexes': [Index(fields=['invoice_id', 'payment_id'])], 'pk_attr': 'id', 'table_description': 'The part of a payment that settles one invoice.'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Company',
            name='payment_terms_days',
            field=fields.IntField(null=True, description='Net days invoices are due in.'),
        ),
        ops.AddField(
            model_name='Customer',
            name='payment_terms_days',
            field=fields.IntField(null=True, description='Net days invoices are due in.'),
        ),
        ops.AddField(
            model_name='Product',
            name='tax_rate',
            field=fields.DecimalField(null=True, description='Tax rate in percent.', max_digits=5, decimal_places=2),
        ),
    ]
