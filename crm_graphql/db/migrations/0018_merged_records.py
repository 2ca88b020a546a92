from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('models', '0017_campaign_attribution')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Company',
            name='deleted_at',
            field=fields.DatetimeField(null=True, description='Set when merged into another.', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Company',
            name='merged_into',
            field=fields.ForeignKeyField('models.Company', source_field='merged_into_id', null=True, db_constraint=True, to_field='id', related_name='merged_companies', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Customer',
            name='merged_into',
            field=fields.ForeignKeyField('models.Customer', source_field='merged_into_id', null=True, db_constraint=True, to_field='id', related_name='merged_customers', on_delete=OnDelete.SET_NULL),
        ),
    ]
