from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# Tortoise's SQLite AlterField rebuilds the table and loses its non-unique indexes; they are
# created again here (IF NOT EXISTS: on PostgreSQL the column is altered in place and they stay).
RESTORE_INDEXES = [
    'CREATE INDEX IF NOT EXISTS "idx_payments_user_id_e10631" ON "payments" ("user_id")',
    'CREATE INDEX IF NOT EXISTS "idx_payments_order_i_61c866" ON "payments" ("order_id", "channel")',
    'CREATE INDEX IF NOT EXISTS "idx_payments_status_33acf4" ON "payments" ("status", "created_at")',
]


class Migration(migrations.Migration):
    dependencies = [('models', '0004_payouts_receipts')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Payment',
            name='external_id',
            field=fields.CharField(null=True, unique=True, max_length=255),
        ),
        ops.RunSQL(RESTORE_INDEXES, reverse_sql=ops.RunSQL.noop),
    ]
