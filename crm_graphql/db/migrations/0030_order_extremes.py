from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0029_leaderboard_rollups')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OrderRollup',
            name='changes',
            field=fields.BigIntField(default=0, description='Upserts since the cell was built.'),
        ),
        ops.AddField(
            model_name='OrderRollup',
            name='stale',
            field=fields.SmallIntField(default=0, description='1 when a record holding an extreme left: the extremes are only bounds.'),
        ),
        ops.AddField(
            model_name='OrderRollup',
            name='subtotal_max',
            field=fields.BigIntField(null=True, description='Largest subtotal in cents.'),
        ),
        ops.AddField(
            model_name='OrderRollup',
            name='subtotal_min',
            field=fields.BigIntField(null=True, description='Smallest subtotal in cents.'),
        ),
        ops.AddField(
            model_name='OrderRollup',
            name='tax_total_max',
            field=fields.BigIntField(null=True, description='Largest tax total in cents.'),
        ),
        ops.AddField(
            model_name='OrderRollup',
            name='tax_total_min',
            field=fields.BigIntField(null=True, description='Smallest tax total in cents.'),
        ),
        ops.AddField(
            model_name='OrderRollup',
            name='total_max',
            field=fields.BigIntField(null=True, description='Largest total in cents.'),
        ),
        ops.AddField(
            model_name='OrderRollup',
            name='total_min',
            field=fields.BigIntField(null=True, description='Smallest total in cents.'),
        ),
        ops.AddIndex(
            model_name='OrderRollup',
            index=Index(fields=['stale']),
        ),
        # The cells counted before have no extremes yet: stale until `crm-graphql rollups
        # rebuild --only orders` fills them, so that their records answer meanwhile.
        ops.RunSQL(["UPDATE rollup_order SET stale = 1 WHERE n > 0"]),
    ]
