from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


def _bucket_starts():
    # The duration buckets of support.percentiles.BUCKET_STARTS as they were made here.
    starts = []
    start = 1
    while start <= 10**8:
        starts.append(start)
        start += max(1, start // 10)
    return starts


def _bucket(column):
    starts = _bucket_starts()
    whens = " ".join(f"WHEN {column} < {start} THEN {i}" for i, start in enumerate(starts))
    return f"CASE WHEN {column} IS NULL THEN NULL {whens} ELSE {len(starts)} END"


def _ranked(time, value):
    # Each ticket's duration bucket (a generated column: exact whoever writes the row),
    # and per group key an index that reads the tickets of one bucket in a range, in
    # order of the time, to rank them by the value.
    bucket = f"{value.removesuffix('_seconds')}_bucket"
    name = f"ticket_{bucket}"
    return [
        f"ALTER TABLE ticket ADD COLUMN {bucket} SMALLINT "
        f"GENERATED ALWAYS AS ({_bucket(value)}) VIRTUAL",
        f"CREATE INDEX {name} ON ticket ({bucket}, {time}, {value})",
        f"CREATE INDEX {name}_channel ON ticket ({bucket}, channel, {time}, {value})",
        f"CREATE INDEX {name}_priority ON ticket ({bucket}, priority, {time}, {value})",
    ]


class Migration(migrations.Migration):
    dependencies = [('models', '0027_billing_fast')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FirstResponseChannelRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('first_responded_at', fields.DatetimeField(null=True, description='Start of the cell.', auto_now=False, auto_now_add=False)),
                ('first_response_bucket', fields.SmallIntField(description='The duration bucket.')),
                ('channel', fields.CharField(max_length=8)),
            ],
            options={'table': 'rollup_first_response_channel', 'app': 'models', 'indexes': [Index(fields=['grain', 'first_responded_at'])], 'pk_attr': 'cell', 'table_description': 'Tickets first answered per cell, channel and bucket of the first-response time.'},
            bases=['FirstResponseTimesCell'],
        ),
        ops.CreateModel(
            name='FirstResponsePriorityRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('first_responded_at', fields.DatetimeField(null=True, description='Start of the cell.', auto_now=False, auto_now_add=False)),
                ('first_response_bucket', fields.SmallIntField(description='The duration bucket.')),
                ('priority', fields.CharField(max_length=8)),
            ],
            options={'table': 'rollup_first_response_priority', 'app': 'models', 'indexes': [Index(fields=['grain', 'first_responded_at'])], 'pk_attr': 'cell', 'table_description': 'Tickets first answered per cell, priority and bucket of the first-response time.'},
            bases=['FirstResponseTimesCell'],
        ),
        ops.CreateModel(
            name='ResolutionChannelRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('solved_at', fields.DatetimeField(null=True, description='Start of the cell.', auto_now=False, auto_now_add=False)),
                ('resolution_bucket', fields.SmallIntField(description='The duration bucket.')),
                ('with_sla', fields.BigIntField(default=0, description='Tickets under an SLA policy.')),
                ('with_sla_present', fields.BigIntField(default=0, description='Tickets counted.')),
                ('met', fields.BigIntField(default=0, description='Tickets that met both targets.')),
                ('met_present', fields.BigIntField(default=0, description='Tickets counted.')),
                ('channel', fields.CharField(max_length=8)),
            ],
            options={'table': 'rollup_resolution_channel', 'app': 'models', 'indexes': [Index(fields=['grain', 'solved_at'])], 'pk_attr': 'cell', 'table_description': 'Tickets solved per cell, channel and bucket of the resolution time.'},
            bases=['ResolutionTimesCell'],
        ),
        ops.CreateModel(
            name='ResolutionPriorityRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('solved_at', fields.DatetimeField(null=True, description='Start of the cell.', auto_now=False, auto_now_add=False)),
                ('resolution_bucket', fields.SmallIntField(description='The duration bucket.')),
                ('with_sla', fields.BigIntField(default=0, description='Tickets under an SLA policy.')),
                ('with_sla_present', fields.BigIntField(default=0, description='Tickets counted.')),
                ('met', fields.BigIntField(default=0, description='Tickets that met both targets.')),
                ('met_present', fields.BigIntField(default=0, description='Tickets counted.')),
                ('priority', fields.CharField(max_length=8)),
            ],
            options={'table': 'rollup_resolution_priority', 'app': 'models', 'indexes': [Index(fields=['grain', 'solved_at'])], 'pk_attr': 'cell', 'table_description': 'Tickets solved per cell, priority and bucket of the resolution time.'},
            bases=['ResolutionTimesCell'],
        ),
        # Tickets written before this migration: counted by `crm-graphql rollups rebuild`.
        ops.RunSQL(
            _ranked("first_responded_at", "first_response_seconds")
            + _ranked("solved_at", "resolution_seconds")
        ),
    ]
