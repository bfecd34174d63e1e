from django.db import migrations

# The library's full-text search (Prompt.objects.search) on PostgreSQL. The expression matches
# what SearchVector("text", config="english") compiles to, so the planner can use it.
CREATE = (
    "CREATE INDEX IF NOT EXISTS prompt_search ON prompts_prompt "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
)
DROP = "DROP INDEX IF EXISTS prompt_search"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("prompts", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
