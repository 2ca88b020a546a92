from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_custom_fields')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Customer',
            index=Index(fields=['deleted_at', 'lifecycle_stage', 'source', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Interaction',
            index=Index(fields=['occurred_at', 'channel', 'direction', 'author_id', 'duration_seconds']),
        ),
        ops.AddIndex(
            model_name='Interaction',
            index=Index(fields=['author_id', 'occurred_at']),
        ),
        ops.AddIndex(
            model_name='Opportunity',
            index=Index(fields=['stage', 'currency', 'probability', 'amount', 'created_at', 'closed_at']),
        ),
        ops.AddIndex(
            model_name='Opportunity',
            index=Index(fields=['owner_id', 'stage', 'currency', 'amount', 'probability', 'closed_at']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['status', 'currency', 'placed_at', 'total']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['status', 'currency', 'customer_id', 'total']),
        ),
    ]
