from tortoise import migrations
from tortoise.migrations import operations as ops
from crm_graphql.domains.automation.models import AssignmentTarget, AutomationAction, AutomationTrigger
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0018_merged_records')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AutomationRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('rule', fields.ForeignKeyField('models.AutomationRule', source_field='rule_id', db_constraint=True, to_field='id', related_name='runs', on_delete=OnDelete.CASCADE)),
                ('record_type', fields.CharField(description='lead, opportunity or task, and its primary key.', max_length=16)),
                ('record_id', fields.IntField()),
                ('event', fields.ForeignKeyField('models.OutboxEvent', source_field='event_id', db_constraint=True, to_field='id', related_name='automation_runs', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'automation_run', 'app': 'models', 'unique_together': (('event',),), 'indexes': [Index(fields=['rule_id', 'created_at']), Index(fields=['record_type', 'record_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One run of an automation rule on one record: the rule_matched event that runs it,'},
            bases=['Model'],
        ),
        ops.RemoveIndex(
            model_name='AssignmentRule',
            name=None,
            fields=['active', 'position'],
        ),
        ops.AlterModelOptions(
            name='AssignmentRule',
            options={'table': 'assignment_rule', 'app': 'models', 'indexes': [Index(fields=['active', 'target', 'position'])], 'pk_attr': 'id', 'table_description': 'Chooses the owner of new unassigned leads (or tickets): the first active rule (by'},
        ),
        ops.AlterField(
            model_name='AssignmentRule',
            name='condition',
            field=fields.JSONField(default=dict, description='The records it applies to: a LeadFilter or TicketFilter input (empty: every one).', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='AssignmentRule',
            name='target',
            field=fields.CharEnumField(default=AssignmentTarget.LEAD, description='LEAD: LEAD\nTICKET: TICKET', enum_type=AssignmentTarget, max_length=8),
        ),
        ops.AddIndex(
            model_name='AssignmentRule',
            index=Index(fields=['active', 'target', 'position']),
        ),
        ops.AlterField(
            model_name='AutomationRule',
            name='action',
            field=fields.CharEnumField(description='CREATE_TASK: CREATE_TASK\nASSIGN_OWNER: ASSIGN_OWNER\nSET_FIELD: SET_FIELD\nCALL_WEBHOOK: CALL_WEBHOOK', enum_type=AutomationAction, max_length=16),
        ),
        ops.AlterField(
            model_name='AutomationRule',
            name='trigger',
            field=fields.CharEnumField(description='CREATED: CREATED\nFIELD_CHANGED: FIELD_CHANGED\nTIME_AFTER_CREATED: TIME_AFTER_CREATED\nTASK_DUE: TASK_DUE\nTASK_REMINDER: TASK_REMINDER\nNO_INTERACTION: NO_INTERACTION', enum_type=AutomationTrigger, max_length=24),
        ),
        ops.AddField(
            model_name='AutomationRule',
            name='delay_days',
            field=fields.IntField(null=True, description='NO_INTERACTION: days without an interaction with the opportunity customer.'),
        ),
        ops.AddField(
            model_name='Task',
            name='ticket',
            field=fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE),
        ),
        ops.AddIndex(
            model_name='Task',
            index=Index(fields=['ticket_id', 'due_at']),
        ),
        ops.AddField(
            model_name='Ticket',
            name='assigned_by_rule_id',
            field=fields.IntField(null=True, description='The assignment rule that chose the assignee of the new ticket, if one did.'),
        ),
    ]
