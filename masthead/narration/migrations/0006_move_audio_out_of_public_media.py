"""Move every narration file out of public media into the private storage, and repoint the rows.

Before 0005 narration MP3s and clips lived in the public media storage, where
MEDIA_URL served the full reading of subscriber articles to anyone who had
seen the file name. This moves each file under narration/ (row files, clip
MP3s, leftovers of crashed jobs) to the same name in the private storage.

Crash-safe and safe to run again (the migration is not atomic on purpose): for
each file it copies, then repoints the rows (committed at once), then deletes
the public copy. A rerun after a crash finds the copy already there (same
size) and only finishes the job. If the private storage already holds a
different file under that name, the copy gets a new name and the rows follow.
"""

from django.core.files.storage import storages
from django.db import migrations

PREFIX = "narration"


def _walk(storage, top):
    try:
        dirs, files = storage.listdir(top)
    except (FileNotFoundError, NotImplementedError):
        return []
    found = [f"{top}/{name}" for name in files]
    for sub in dirs:
        found.extend(_walk(storage, f"{top}/{sub}"))
    return found


def _same_file(public, private, name):
    try:
        return private.exists(name) and private.size(name) == public.size(name)
    except OSError:
        return False


def move_to_private(apps, schema_editor):
    public, private = storages["default"], storages["private"]
    Narration = apps.get_model("narration", "Narration")
    Clip = apps.get_model("narration", "Clip")
    names = set(_walk(public, PREFIX))
    names.update(name for name in Narration.objects.exclude(audio="").values_list("audio", flat=True) if public.exists(name))
    names.update(name for name in Clip.objects.exclude(pcm="").values_list("pcm", flat=True) if public.exists(name))
    for name in sorted(names):
        if _same_file(public, private, name):
            new_name = name
        else:
            with public.open(name, "rb") as content:
                new_name = private.save(name, content)
        if new_name != name:
            Narration.objects.filter(audio=name).update(audio=new_name)
            Clip.objects.filter(pcm=name).update(pcm=new_name)
        public.delete(name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("narration", "0005_private_storage"),
    ]

    operations = [
        migrations.RunPython(move_to_private, migrations.RunPython.noop, elidable=False),
    ]
