from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0024_sales_rollups')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['issued_at']),
        ),
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['issue_date']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['placed_at']),
        ),
        ops.AddIndex(
            model_name='Payment',
            index=Index(fields=['received_at']),
        ),
    ]
