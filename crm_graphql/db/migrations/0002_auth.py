from tortoise import migrations
from tortoise.migrations import operations as ops
from crm_graphql.domains.auth.models import RevocationReason
from crm_graphql.api.roles import Role
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('prefix', fields.CharField(max_length=16)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('role', fields.CharEnumField(description='ADMIN: ADMIN\nMANAGER: MANAGER\nSALES: SALES\nSUPPORT: SUPPORT\nMARKETING: MARKETING\nANALYST: ANALYST', enum_type=Role, max_length=16)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_api_keys', on_delete=OnDelete.SET_NULL)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auth_api_key', 'app': 'models', 'indexes': [Index(fields=['created_at', 'id'])], 'pk_attr': 'id', 'table_description': 'A credential of an integration (marketing tool, shop, accounting), with a role.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='LoginAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(max_length=254)),
                ('client_address', fields.CharField(null=True, max_length=45)),
                ('attempted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auth_login_attempt', 'app': 'models', 'indexes': [Index(fields=['email', 'attempted_at']), Index(fields=['client_address', 'attempted_at'])], 'pk_attr': 'id', 'table_description': 'A failed login, kept while the login throttle counts it (per e-mail and address).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TokenFamily',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='token_families', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('client_address', fields.CharField(null=True, max_length=45)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_reason', fields.CharEnumField(null=True, description='LOGOUT: LOGOUT\nREUSE: REUSE', enum_type=RevocationReason, max_length=16)),
            ],
            options={'table': 'auth_token_family', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One login session: the chain of refresh tokens rotated from one ``login``.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('family', fields.ForeignKeyField('models.TokenFamily', source_field='family_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auth_refresh_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One refresh token of a session: used once, then replaced by the next one.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='User',
            name='password_hash',
            field=fields.CharField(null=True, max_length=255),
        ),
    ]
