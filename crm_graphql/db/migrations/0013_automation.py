from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from crm_graphql.domains.automation.models import AssignmentKind, AutomationAction, AutomationEntity, AutomationTrigger
from crm_graphql.domains.leads.models import LeadSource, LeadStatus
from crm_graphql.domains.tasks.models import TaskPriority, TaskStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_security')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AssignmentRule',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('position', fields.IntField(default=0)),
                ('active', fields.BooleanField(default=True)),
                ('kind', fields.CharEnumField(description='ROUND_ROBIN: ROUND_ROBIN\nTERRITORY: TERRITORY', enum_type=AssignmentKind, max_length=16)),
                ('user_ids', fields.JSONField(default=list, description='ROUND_ROBIN: the users taken in turn (their IDs).', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('territories', fields.JSONField(default=dict, description='TERRITORY: country (or country-region) codes and the users of each, taken in turn.', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('condition', fields.JSONField(default=dict, description='The leads it applies to: a LeadFilter input (empty: every lead).', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('assigned', fields.IntField(default=0, description='How many leads it assigned (the round-robin turn).')),
            ],
            options={'table': 'assignment_rule', 'app': 'models', 'indexes': [Index(fields=['active', 'position'])], 'pk_attr': 'id', 'table_description': 'Chooses the owner of new unassigned leads: the first active rule (by position)'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='AutomationRule',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('active', fields.BooleanField(default=True)),
                ('entity', fields.CharEnumField(description='LEAD: LEAD\nOPPORTUNITY: OPPORTUNITY\nTASK: TASK', enum_type=AutomationEntity, max_length=16)),
                ('trigger', fields.CharEnumField(description='CREATED: CREATED\nFIELD_CHANGED: FIELD_CHANGED\nTIME_AFTER_CREATED: TIME_AFTER_CREATED\nTASK_DUE: TASK_DUE\nTASK_REMINDER: TASK_REMINDER', enum_type=AutomationTrigger, max_length=24)),
                ('field', fields.CharField(null=True, description='FIELD_CHANGED: the field (GraphQL name) and optionally the value it changed to.', max_length=64)),
                ('to_value', fields.CharField(null=True, max_length=64)),
                ('delay_hours', fields.IntField(null=True, description="TIME_AFTER_CREATED: hours after the record's creation.")),
                ('condition', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('action', fields.CharEnumField(description='CREATE_TASK: CREATE_TASK\nASSIGN_OWNER: ASSIGN_OWNER\nSET_FIELD: SET_FIELD', enum_type=AutomationAction, max_length=16)),
                ('params', fields.JSONField(default=dict, description="The action's parameters (title template, assignee, due in days, field, value).", encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by_id', fields.IntField(null=True)),
            ],
            options={'table': 'automation_rule', 'app': 'models', 'indexes': [Index(fields=['active', 'entity', 'trigger'])], 'pk_attr': 'id', 'table_description': "A trigger on one kind of record, a condition in the list's filter input, and an"},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='LeadForm',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('key', fields.CharField(unique=True, max_length=40)),
                ('allowed_origins', fields.JSONField(default=list, description='Origins (scheme, host and port) whose pages may post to it (empty: any).', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('redirect_url', fields.CharField(null=True, description='Where a browser goes after a form-encoded submission (null: a JSON answer).', max_length=500)),
                ('active', fields.BooleanField(default=True)),
                ('submissions', fields.IntField(default=0)),
            ],
            options={'table': 'lead_form', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A web form that public websites post leads to, by its key (no secret needed).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Lead',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('first_name', fields.CharField(null=True, max_length=100)),
                ('last_name', fields.CharField(max_length=100)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('company_name', fields.CharField(null=True, max_length=200)),
                ('job_title', fields.CharField(null=True, max_length=120)),
                ('country', fields.CharField(null=True, max_length=2)),
                ('region', fields.CharField(null=True, max_length=100)),
                ('source', fields.CharEnumField(default=LeadSource.MANUAL, description='WEB_FORM: WEB_FORM\nIMPORT: IMPORT\nEMAIL: EMAIL\nMANUAL: MANUAL\nREFERRAL: REFERRAL\nEVENT: EVENT\nOTHER: OTHER', enum_type=LeadSource, max_length=16)),
                ('status', fields.CharEnumField(default=LeadStatus.NEW, description='NEW: NEW\nCONTACTED: CONTACTED\nQUALIFIED: QUALIFIED\nUNQUALIFIED: UNQUALIFIED\nCONVERTED: CONVERTED', enum_type=LeadStatus, max_length=16)),
                ('score', fields.SmallIntField(default=0)),
                ('notes', fields.TextField(null=True, unique=False)),
                ('marketing_consent', fields.BooleanField(default=False)),
                ('contact_consent', fields.BooleanField(default=False)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='owned_leads', on_delete=OnDelete.SET_NULL)),
                ('form', fields.ForeignKeyField('models.LeadForm', source_field='form_id', null=True, db_constraint=True, to_field='id', related_name='leads', on_delete=OnDelete.SET_NULL)),
                ('submissions', fields.IntField(default=1, description='Further submissions of the same person (attached, not duplicated).')),
                ('form_data', fields.JSONField(default=dict, description='The raw fields of the last web-form submission, for the record.', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('assigned_by_rule_id', fields.IntField(null=True, description='The assignment rule that chose the owner, if one did.')),
                ('converted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('converted_customer', fields.ForeignKeyField('models.Customer', source_field='converted_customer_id', null=True, db_constraint=True, to_field='id', related_name='converted_leads', on_delete=OnDelete.SET_NULL)),
                ('converted_opportunity', fields.ForeignKeyField('models.Opportunity', source_field='converted_opportunity_id', null=True, db_constraint=True, to_field='id', related_name='converted_leads', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'lead', 'app': 'models', 'indexes': [Index(fields=['created_at', 'id']), Index(fields=['email', 'status']), Index(fields=['owner_id', 'status']), Index(fields=['converted_customer_id']), Index(fields=['created_at', 'status', 'source', 'converted_at'])], 'pk_attr': 'id', 'table_description': 'A person who may become a customer, worked until converted or disqualified.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Task',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('notes', fields.TextField(null=True, unique=False)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('remind_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('priority', fields.CharEnumField(default=TaskPriority.NORMAL, description='LOW: LOW\nNORMAL: NORMAL\nHIGH: HIGH', enum_type=TaskPriority, max_length=8)),
                ('status', fields.CharEnumField(default=TaskStatus.OPEN, description='OPEN: OPEN\nDONE: DONE\nCANCELLED: CANCELLED', enum_type=TaskStatus, max_length=10)),
                ('assignee', fields.ForeignKeyField('models.User', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name='assigned_tasks', on_delete=OnDelete.SET_NULL)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_tasks', on_delete=OnDelete.SET_NULL)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('lead', fields.ForeignKeyField('models.Lead', source_field='lead_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('opportunity', fields.ForeignKeyField('models.Opportunity', source_field='opportunity_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_by', fields.ForeignKeyField('models.User', source_field='completed_by_id', null=True, db_constraint=True, to_field='id', related_name='completed_tasks', on_delete=OnDelete.SET_NULL)),
                ('origin_key', fields.CharField(null=True, unique=True, description='Set on tasks made by automation (the rule and the event), so a redelivered event', max_length=80)),
            ],
            options={'table': 'task', 'app': 'models', 'indexes': [Index(fields=['created_at', 'id']), Index(fields=['assignee_id', 'status', 'due_at']), Index(fields=['status', 'due_at']), Index(fields=['customer_id', 'due_at']), Index(fields=['lead_id', 'status']), Index(fields=['opportunity_id', 'due_at'])], 'pk_attr': 'id', 'table_description': 'Something to do by a due time.'},
            bases=['TimestampedModel'],
        ),
    ]
