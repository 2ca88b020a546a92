from tortoise import migrations
from tortoise.migrations import operations as ops
from crm_graphql.domains.sales.models import OpportunityStage
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_customer_mutations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OpportunityStageChange',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('opportunity', fields.ForeignKeyField('models.Opportunity', source_field='opportunity_id', db_constraint=True, to_field='id', related_name='stage_changes', on_delete=OnDelete.CASCADE)),
                ('stage', fields.CharEnumField(description='PROSPECTING: PROSPECTING\nQUALIFICATION: QUALIFICATION\nPROPOSAL: PROPOSAL\nNEGOTIATION: NEGOTIATION\nCLOSED_WON: CLOSED_WON\nCLOSED_LOST: CLOSED_LOST', enum_type=OpportunityStage, max_length=16)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('changed_by', fields.ForeignKeyField('models.User', source_field='changed_by_id', null=True, db_constraint=True, to_field='id', related_name='opportunity_stage_changes', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'opportunity_stage_change', 'app': 'models', 'indexes': [Index(fields=['opportunity_id', 'changed_at'])], 'pk_attr': 'id', 'table_description': 'One change of an opportunity stage: the history behind the current stage.'},
            bases=['TimestampedModel'],
        ),
    ]
