from tortoise import migrations
from tortoise.migrations import operations as ops
from crm_graphql.domains.marketing.models import MemberStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0016_integration')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CampaignMemberTally',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='member_tallies', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(description='TARGETED: TARGETED\nSENT: SENT\nOPENED: OPENED\nCLICKED: CLICKED\nRESPONDED: RESPONDED\nCONVERTED: CONVERTED\nBOUNCED: BOUNCED\nUNSUBSCRIBED: UNSUBSCRIBED', enum_type=MemberStatus, max_length=16)),
                ('members', fields.IntField(default=0)),
            ],
            options={'table': 'campaign_member_tally', 'app': 'models', 'unique_together': (('campaign_id', 'status'),), 'pk_attr': 'id', 'table_description': 'How many members of a campaign have each status: kept exact by the member writes'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Campaign',
            name='tracking_code',
            field=fields.CharField(null=True, unique=True, description='The utm_campaign value of its links: web-form leads carrying it come from it.', max_length=100),
        ),
        ops.AddField(
            model_name='Lead',
            name='campaign',
            field=fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, description='The campaign it came from (its primary campaign source).', db_constraint=True, to_field='id', related_name='leads', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddIndex(
            model_name='Lead',
            index=Index(fields=['campaign_id', 'status']),
        ),
        ops.AddField(
            model_name='LeadForm',
            name='campaign',
            field=fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, description='The campaign its leads come from, unless a submission names another.', db_constraint=True, to_field='id', related_name='lead_forms', on_delete=OnDelete.SET_NULL),
        ),
        # The tally of the members that exist already (the member writes keep it from now on).
        ops.RunSQL(
            "INSERT INTO campaign_member_tally (campaign_id, status, members) "
            "SELECT campaign_id, status, COUNT(*) FROM campaign_member GROUP BY campaign_id, status",
            reverse_sql="DELETE FROM campaign_member_tally",
        ),
        # Customer.marketing_consent and the EMAIL consent say the same from now on. A
        # flag without an EMAIL answer becomes a granted answer; where both exist, the
        # answer (newer, with its time and source) wins.
        ops.RunSQL(
            [
                "INSERT INTO customer_consent (customer_id, channel, granted, changed_at, source, "
                "version, created_at, updated_at) "
                "SELECT c.id, 'EMAIL', 1, c.updated_at, 'marketingConsent (migrated)', 1, "
                "c.updated_at, c.updated_at FROM customer c WHERE c.marketing_consent = 1 "
                "AND NOT EXISTS (SELECT 1 FROM customer_consent k "
                "WHERE k.customer_id = c.id AND k.channel = 'EMAIL')",
                "UPDATE customer SET marketing_consent = 0 WHERE marketing_consent = 1 "
                "AND NOT EXISTS (SELECT 1 FROM customer_consent k WHERE k.customer_id = customer.id "
                "AND k.channel = 'EMAIL' AND k.granted = 1)",
                "UPDATE customer SET marketing_consent = 1 WHERE marketing_consent = 0 "
                "AND EXISTS (SELECT 1 FROM customer_consent k WHERE k.customer_id = customer.id "
                "AND k.channel = 'EMAIL' AND k.granted = 1)",
            ],
            reverse_sql=["DELETE FROM customer_consent WHERE source = 'marketingConsent (migrated)'"],
        ),
    ]
