from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.support import TicketDirection, TicketStatus
from db.models.users import Role
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_tutoring')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FaqEntry',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('question_ru', fields.CharField(max_length=200)),
                ('answer_ru', fields.TextField(unique=False)),
                ('question_en', fields.CharField(max_length=200)),
                ('answer_en', fields.TextField(unique=False)),
            ],
            options={'table': 'faq_entries', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One question with its answer, in Russian and in English.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='FaqFeedback',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('models.FaqEntry', source_field='entry_id', null=True, db_constraint=True, to_field='id', related_name='feedback', on_delete=OnDelete.SET_NULL)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_index=True, db_constraint=True, to_field='id', related_name='faq_feedback', on_delete=OnDelete.CASCADE)),
                ('query', fields.CharField(default='', max_length=1000)),
                ('helpful', fields.BooleanField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'faq_feedback', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person\'s answer to "Did this help?" after an FAQ answer was offered.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_index=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=TicketStatus.open, description='open: open\nwaiting_user: waiting_user\nclosed: closed', enum_type=TicketStatus, max_length=16)),
                ('locale', fields.CharField(default='ru', max_length=8)),
                ('subject', fields.CharField(default='', max_length=200)),
                ('context', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('support_chat_id', fields.BigIntField(null=True)),
                ('thread_id', fields.IntField(null=True)),
                ('header_message_id', fields.IntField(null=True)),
                ('waiting_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_by', fields.ForeignKeyField('models.User', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name='closed_tickets', on_delete=OnDelete.SET_NULL)),
                ('csat', fields.SmallIntField(null=True)),
            ],
            options={'table': 'support_tickets', 'app': 'models', 'indexes': [Index(fields=['status', 'updated_at']), Index(fields=['support_chat_id', 'thread_id'])], 'pk_attr': 'id', 'table_description': "A person's conversation with support, with the context the agents see first."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='TicketMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_index=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('direction', fields.CharEnumField(description='user: user\nagent: agent\nbot: bot', enum_type=TicketDirection, max_length=8)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='ticket_messages', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharField(default='text', max_length=16)),
                ('text', fields.TextField(default='', unique=False)),
                ('user_message_id', fields.IntField(null=True)),
                ('group_message_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'support_ticket_messages', 'app': 'models', 'indexes': [Index(fields=['group_message_id']), Index(fields=['user_message_id'])], 'pk_attr': 'id', 'table_description': "One message relayed between the person's chat and the support group."},
            bases=['Model'],
        ),
    ]
