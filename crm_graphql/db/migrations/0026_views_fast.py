from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0025_rebuild_indexes')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='InteractionAuthorRollup',
            index=Index(fields=['grain', 'author_id', 'occurred_at']),
        ),
        ops.AddIndex(
            model_name='OpportunityRollup',
            index=Index(fields=['grain', 'owner_id', 'stage', 'currency', 'created_at']),
        ),
    ]
