from tortoise import migrations
from tortoise.migrations import operations as ops
from crm_graphql.domains.customers.models import CustomFieldType
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_opportunity_history')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomFieldDefinition',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('label', fields.CharField(max_length=120)),
                ('type', fields.CharEnumField(description='TEXT: TEXT\nNUMBER: NUMBER\nBOOLEAN: BOOLEAN\nDATE: DATE', enum_type=CustomFieldType, max_length=16)),
            ],
            options={'table': 'custom_field_definition', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An organisation-defined extra field of customers, with the type of its values.'},
            bases=['TimestampedModel'],
        ),
    ]
