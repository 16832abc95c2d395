"""Recompute every child's stored name keys with the one normaliser (cases.matching): the
keys made before it kept spaces and folded differently, so 'Testchild01' and
'Testchild-01' did not match."""

from django.db import migrations


def fold(text):
    # A copy of cases.matching.fold as it is now: a migration must not change with the code.
    import unicodedata

    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text.casefold() if c.isalnum())


def recompute(apps, schema_editor):
    Child = apps.get_model("cases", "Child")
    # The migrating connection (the owner's, if any); the tests pass None.
    db = schema_editor.connection.alias if schema_editor else "default"
    batch = []
    for child in Child.objects.using(db).only("first_name", "last_name", "known_as").iterator():
        child.first_name_key = fold(child.first_name)
        child.last_name_key = fold(child.last_name)
        child.name_key = child.first_name_key + child.last_name_key
        child.known_as_key = fold(child.known_as)
        batch.append(child)
        if len(batch) >= 500:
            Child.objects.using(db).bulk_update(
                batch, ["first_name_key", "last_name_key", "name_key", "known_as_key"]
            )
            batch = []
    if batch:
        Child.objects.using(db).bulk_update(
            batch, ["first_name_key", "last_name_key", "name_key", "known_as_key"]
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_child_matching")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
