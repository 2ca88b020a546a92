from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from crm_graphql.domains.support.models import TicketChannel, TicketPriority, TicketStatus, TicketType
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_events')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BusinessCalendar',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('time_zone', fields.CharField(max_length=64)),
                ('working_hours', fields.JSONField(description='Working periods: a list of [weekday 0-6 from Monday, start HH:MM, end HH:MM].', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('holiday_country', fields.CharField(null=True, description='ISO 3166-1 country (and subdivision) whose public holidays are days off.', max_length=2)),
                ('holiday_subdivision', fields.CharField(null=True, max_length=10)),
                ('custom_holidays', fields.JSONField(default=list, description='Further days off, ISO dates.', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'business_calendar', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Working days and hours in one time zone, with public and custom holidays: the'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='SlaPolicy',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('priority', fields.CharEnumField(description='LOW: LOW\nNORMAL: NORMAL\nHIGH: HIGH\nURGENT: URGENT', enum_type=TicketPriority, max_length=8)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', null=True, db_constraint=True, to_field='id', related_name='sla_policies', on_delete=OnDelete.CASCADE)),
                ('calendar', fields.ForeignKeyField('models.BusinessCalendar', source_field='calendar_id', db_constraint=True, to_field='id', related_name='sla_policies', on_delete=OnDelete.RESTRICT)),
                ('first_response_minutes', fields.IntField()),
                ('resolution_minutes', fields.IntField()),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'sla_policy', 'app': 'models', 'indexes': [Index(fields=['priority', 'active', 'company_id'])], 'pk_attr': 'id', 'table_description': 'Targets for the first response and the resolution of tickets of one priority'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=32)),
                ('subject', fields.CharField(max_length=255)),
                ('description', fields.TextField(null=True, unique=False)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.SET_NULL)),
                ('channel', fields.CharEnumField(description='EMAIL: EMAIL\nPHONE: PHONE\nCHAT: CHAT\nWEB: WEB\nSOCIAL: SOCIAL', enum_type=TicketChannel, max_length=8)),
                ('priority', fields.CharEnumField(default=TicketPriority.NORMAL, description='LOW: LOW\nNORMAL: NORMAL\nHIGH: HIGH\nURGENT: URGENT', enum_type=TicketPriority, max_length=8)),
                ('type', fields.CharEnumField(default=TicketType.QUESTION, description='QUESTION: QUESTION\nPROBLEM: PROBLEM\nINCIDENT: INCIDENT\nREQUEST: REQUEST', enum_type=TicketType, max_length=8)),
                ('status', fields.CharEnumField(default=TicketStatus.NEW, description='NEW: NEW\nOPEN: OPEN\nPENDING: PENDING\nON_HOLD: ON_HOLD\nSOLVED: SOLVED\nCLOSED: CLOSED', enum_type=TicketStatus, max_length=8)),
                ('assignee', fields.ForeignKeyField('models.User', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name='assigned_tickets', on_delete=OnDelete.SET_NULL)),
                ('tags', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('first_responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('solved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sla_policy', fields.ForeignKeyField('models.SlaPolicy', source_field='sla_policy_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.SET_NULL)),
                ('first_response_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_response_seconds', fields.IntField(null=True)),
                ('first_response_breached', fields.BooleanField(default=False)),
                ('resolution_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolution_clock_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolution_clock_seconds', fields.IntField(default=0)),
                ('resolution_seconds', fields.IntField(null=True)),
                ('resolution_breached', fields.BooleanField(default=False)),
            ],
            options={'table': 'ticket', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'created_at']), Index(fields=['assignee_id', 'status']), Index(fields=['created_at', 'id']), Index(fields=['status', 'resolution_due_at']), Index(fields=['status', 'first_response_due_at']), Index(fields=['status', 'priority', 'created_at', 'channel', 'first_response_seconds', 'resolution_seconds']), Index(fields=['created_at', 'channel', 'priority', 'status']), Index(fields=['first_responded_at', 'first_response_seconds', 'channel', 'priority', 'assignee_id']), Index(fields=['solved_at', 'resolution_seconds', 'first_response_seconds', 'first_response_breached', 'resolution_breached', 'sla_policy_id', 'channel', 'priority', 'assignee_id'])], 'pk_attr': 'id', 'table_description': 'A request for help from a customer, with its SLA clocks.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='SatisfactionSurvey',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='surveys', on_delete=OnDelete.CASCADE)),
                ('assignee', fields.ForeignKeyField('models.User', source_field='assignee_id', null=True, description='Who solved the ticket: satisfaction per agent without a join.', db_constraint=True, to_field='id', related_name='ticket_surveys', on_delete=OnDelete.SET_NULL)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('score', fields.SmallIntField(null=True)),
                ('comment', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'satisfaction_survey', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'created_at']), Index(fields=['created_at', 'assignee_id', 'answered_at', 'score'])], 'pk_attr': 'id', 'table_description': 'The satisfaction survey of one solved ticket: a one-time token (kept as a hash),'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='TicketComment',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='comments', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='ticket_comments', on_delete=OnDelete.SET_NULL)),
                ('body', fields.TextField(unique=False)),
                ('public', fields.BooleanField()),
            ],
            options={'table': 'ticket_comment', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A public reply to the customer or an internal note on a ticket.'},
            bases=['TimestampedModel'],
        ),
    ]
