from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0030_order_extremes')]

    initial = False

    # Tickets and surveys written before this migration are counted by `crm-graphql
    # rollups rebuild --only resolved_by_assignee --only agent_backlog --only surveys
    # --only surveys_by_assignee`.
    operations = [
        ops.CreateModel(
            name='AgentBacklogTally',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='assignee.', max_length=20)),
                ('assignee_id', fields.IntField(null=True)),
                ('open_count', fields.BigIntField(default=0, description='Unsolved tickets.')),
            ],
            options={'table': 'rollup_agent_backlog', 'app': 'models', 'indexes': [Index(fields=['assignee_id'])], 'pk_attr': 'cell', 'table_description': 'Per assignee: the unsolved tickets assigned to them now.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ResolvedAssigneeRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('solved_at', fields.DatetimeField(null=True, description='Start of the cell.', auto_now=False, auto_now_add=False)),
                ('assignee_id', fields.IntField(null=True)),
                ('with_sla', fields.BigIntField(default=0, description='Tickets under an SLA policy.')),
                ('with_sla_present', fields.BigIntField(default=0, description='Tickets counted.')),
                ('met', fields.BigIntField(default=0, description='Tickets that met both targets.')),
                ('met_present', fields.BigIntField(default=0, description='Tickets counted.')),
            ],
            options={'table': 'rollup_resolved_assignee', 'app': 'models', 'indexes': [Index(fields=['grain', 'solved_at'])], 'pk_attr': 'cell', 'table_description': 'Tickets solved with a resolution time per cell and assignee, and SLA attainment.'},
            bases=['RollupCell'],
        ),
        ops.CreateModel(
            name='SurveyAssigneeRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('created_at', fields.DatetimeField(null=True, description='Start of the cell.', auto_now=False, auto_now_add=False)),
                ('score', fields.BigIntField(default=0, description='Sum of the scores.')),
                ('score_present', fields.BigIntField(default=0, description='Scores given (answers).')),
                ('assignee_id', fields.IntField(null=True)),
            ],
            options={'table': 'rollup_survey_assignee', 'app': 'models', 'indexes': [Index(fields=['grain', 'created_at'])], 'pk_attr': 'cell', 'table_description': 'Satisfaction surveys per cell of sending and agent (who solved the ticket).'},
            bases=['SurveyCell'],
        ),
        ops.CreateModel(
            name='SurveyRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('created_at', fields.DatetimeField(null=True, description='Start of the cell.', auto_now=False, auto_now_add=False)),
                ('score', fields.BigIntField(default=0, description='Sum of the scores.')),
                ('score_present', fields.BigIntField(default=0, description='Scores given (answers).')),
            ],
            options={'table': 'rollup_survey', 'app': 'models', 'indexes': [Index(fields=['grain', 'created_at'])], 'pk_attr': 'cell', 'table_description': 'Satisfaction surveys per cell of sending.'},
            bases=['SurveyCell'],
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['assignee_id', 'first_responded_at', 'first_response_seconds']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['assignee_id', 'solved_at', 'resolution_seconds', 'sla_policy_id', 'first_response_breached', 'resolution_breached']),
        ),
    ]
