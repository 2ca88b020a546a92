from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from crm_graphql.db.models import MoneyField
from crm_graphql.domains.marketing.models import CampaignStatus, CampaignType, ConsentChannel, MemberStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_automation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('type', fields.CharEnumField(description='EMAIL: EMAIL\nEVENT: EVENT\nWEBINAR: WEBINAR\nADVERTISING: ADVERTISING\nSOCIAL: SOCIAL\nDIRECT_MAIL: DIRECT_MAIL', enum_type=CampaignType, max_length=16)),
                ('status', fields.CharEnumField(default=CampaignStatus.PLANNED, description='PLANNED: PLANNED\nACTIVE: ACTIVE\nCOMPLETED: COMPLETED\nABORTED: ABORTED', enum_type=CampaignStatus, max_length=16)),
                ('starts_on', fields.DateField(null=True)),
                ('ends_on', fields.DateField(null=True)),
                ('budget', MoneyField(null=True)),
                ('actual_cost', MoneyField(null=True)),
                ('currency', fields.CharField(max_length=3)),
                ('expected_response', fields.SmallIntField(null=True, description='Percent of members.')),
                ('description', fields.TextField(null=True, unique=False)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='owned_campaigns', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'campaign', 'app': 'models', 'indexes': [Index(fields=['created_at', 'id']), Index(fields=['status', 'type', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A marketing campaign with its budget, cost and members.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='CampaignMember',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='campaign_memberships', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=MemberStatus.TARGETED, description='TARGETED: TARGETED\nSENT: SENT\nOPENED: OPENED\nCLICKED: CLICKED\nRESPONDED: RESPONDED\nCONVERTED: CONVERTED\nBOUNCED: BOUNCED\nUNSUBSCRIBED: UNSUBSCRIBED', enum_type=MemberStatus, max_length=16)),
                ('status_at', fields.DatetimeField(null=True, description='When the status was reached.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'campaign_member', 'app': 'models', 'unique_together': (('campaign_id', 'customer_id'),), 'indexes': [Index(fields=['campaign_id', 'status']), Index(fields=['customer_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One customer targeted by a campaign, and how far they went.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='CustomerConsent',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='EMAIL: EMAIL\nSMS: SMS\nPHONE: PHONE\nPOST: POST', enum_type=ConsentChannel, max_length=8)),
                ('granted', fields.BooleanField()),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('source', fields.CharField(max_length=100)),
            ],
            options={'table': 'customer_consent', 'app': 'models', 'unique_together': (('customer_id', 'channel'),), 'indexes': [Index(fields=['channel', 'granted', 'customer_id'])], 'pk_attr': 'id', 'table_description': 'Whether a customer may be contacted on one channel: granted or withdrawn, when,'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Segment',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.TextField(null=True, unique=False)),
                ('customer_filter', fields.JSONField(default=dict, description='The CustomerFilter input as the client sent it (GraphQL field names).', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('search', fields.CharField(null=True, max_length=200)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='owned_segments', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'segment', 'app': 'models', 'indexes': [Index(fields=['created_at', 'id'])], 'pk_attr': 'id', 'table_description': 'A saved customer filter: the customers matching it, evaluated when read.'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Opportunity',
            name='campaign',
            field=fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, db_constraint=True, to_field='id', related_name='opportunities', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddIndex(
            model_name='Opportunity',
            index=Index(fields=['campaign_id', 'stage', 'currency', 'amount']),
        ),
    ]
