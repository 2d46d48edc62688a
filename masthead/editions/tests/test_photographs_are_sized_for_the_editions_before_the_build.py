"""A photograph gets its edition sizes when it is uploaded (and when an article using it is published),
so the issue's EPUB build copies them instead of resampling every photograph itself.
"""

from __future__ import annotations

import pytest
from wagtail.images import get_image_model

from masthead.editions import images, services
from masthead.editions.builders.content import rendition_spec
from masthead.editions.models import EditionFile
from masthead.editions.tests.support import FakeBuilder
from masthead.testing import builders

EDITION_SPECS = {rendition_spec(px) for px in images.SIZES}


def specs(image) -> set[str]:
    return set(image.renditions.values_list("filter_spec", flat=True)) & EDITION_SPECS


@pytest.fixture
def on_publish(settings):
    settings.EDITIONS_ON_PUBLISH = True


def test_an_uploaded_photograph_gets_the_editions_sizes(magazine, on_publish, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = builders.make_image("Harbour at dawn")
    assert specs(photo) == EDITION_SPECS


def test_publishing_an_article_sizes_photographs_uploaded_before(magazine, on_publish, django_capture_on_commit_callbacks):
    article = magazine.public_article
    hero = get_image_model().objects.get(pk=article.hero_image_id)
    hero.renditions.all().delete()  # as for a photograph uploaded before editions existed
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    assert specs(hero) == EDITION_SPECS


def test_nothing_is_sized_when_editions_are_not_built_on_publish(magazine, settings, django_capture_on_commit_callbacks):
    settings.EDITIONS_ON_PUBLISH = False
    with django_capture_on_commit_callbacks(execute=True):
        photo = builders.make_image("Harbour at dusk")
    assert specs(photo) == set()


def test_the_epub_build_makes_no_rendition_of_a_prepared_photograph(magazine, monkeypatch):
    ids = [a.hero_image_id for a in (magazine.public_article,) if a.hero_image_id]
    assert ids, "the fixture's article has no photograph"
    assert images.prepare(ids) == len(ids)
    Rendition = get_image_model().get_rendition_model()
    before = Rendition.objects.count()

    real = services.builder_for
    monkeypatch.setattr(services, "builder_for", lambda kind: real(kind) if kind == "epub" else FakeBuilder(kind))
    (row,) = services.queue_issue(issue_id=magazine.issue.pk, kinds=["epub"])
    row = services.build(edition_id=row.pk)
    assert row.status == EditionFile.Status.READY, row.error
    assert Rendition.objects.count() == before


def test_a_photograph_whose_file_is_unreadable_is_skipped_not_fatal(magazine, tmp_path):
    photo = builders.make_image("Broken upload")
    with photo.file.open("wb") as fh:
        fh.write(b"not an image at all")
    assert images.prepare([photo.pk, 999_999]) == 0


def test_a_photograph_is_sized_in_one_decode_as_the_rendition_wagtail_would_find(magazine, monkeypatch):
    # A 2400 × 1600 photograph stored turned (EXIF orientation 6: shown 1600 wide, 2400 high).
    import io

    from django.core.files.images import ImageFile
    from PIL import Image
    from wagtail.images.models import Filter

    from masthead.editions.builders.content import edition_rendition

    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (2400, 1600), (120, 80, 40)).save(buf, "JPEG", quality=85, exif=exif.tobytes())
    photo = get_image_model().objects.create(title="Turned", file=ImageFile(buf, name="turned.jpg"))

    def wagtail_pipeline(*args, **kwargs):
        raise AssertionError("a JPEG photograph went through Wagtail's filter pipeline")

    monkeypatch.setattr(Filter, "run", wagtail_pipeline)
    made = edition_rendition(photo, images.EPUB_PX)
    assert (made.width, made.height) == (800, 1200)
    with made.file.open("rb") as handle, Image.open(handle) as stored:
        assert stored.format == "JPEG" and stored.size == (800, 1200)
    # The same rendition Wagtail's own lookup finds: nothing is made twice.
    assert photo.get_rendition(rendition_spec(images.EPUB_PX)).pk == made.pk
    assert photo.renditions.count() == 1
