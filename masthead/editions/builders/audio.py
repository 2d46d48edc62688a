"""The audio edition: every narrated article of the issue, in the editor's order, as one chaptered MP3.

Narration encodes each article with the same settings (LAME, mono, fixed bit
rate), and MP3 streams encoded that way may be joined at frame boundaries, so
the edition is the articles' files end to end with a short encoded silence
between them: no decoding, no re-encoding. Chapters are ID3v2 CHAP frames with
a CTOC (the ID3 chapter addendum), which Apple Podcasts and most players read;
the same chapter times are kept on the row for the issue page's playlist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mutagen import id3 as _id3

from masthead.editions.builders import BuildError, Built
from masthead.editions.builders.content import IssueContent, Workspace

PAUSE_SECONDS = 1.5
COVER_PX = 600
# mutagen's frame classes are untyped; one Any-typed handle keeps mypy --strict quiet without hiding our code.
id3: Any = _id3
_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def _skip_id3(data: bytes) -> bytes:
    """Drop a leading ID3v2 tag: joined files keep only the edition's own tag."""
    if data[:3] == b"ID3" and len(data) > 10:
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        return data[10 + size :]
    return data


def _sample_rate(data: bytes) -> int:
    header = int.from_bytes(data[:4], "big")
    if len(data) < 4 or header >> 21 != 0x7FF:
        raise BuildError("a narration file does not start with an MP3 frame", retryable=False)
    return _RATES[(header >> 19) & 3][(header >> 10) & 3]


class AudioBuilder:
    version = 1
    uses_narration = True
    uses_text = False

    def build(self, content: IssueContent, workspace: Workspace) -> Built:
        from masthead.narration.services import encode_mp3, mp3_samples

        narrated = [article for article in content.articles if article.narration is not None]
        if not narrated:
            raise BuildError("no article of this issue has a narration yet", retryable=False)
        out = workspace.path(f"{content.slug}.mp3")
        chapters: list[dict[str, Any]] = []
        position_ms = 0.0
        rate = 0
        pause = b""
        with out.open("wb") as fh:
            for index, article in enumerate(narrated):
                assert article.narration is not None
                data = _skip_id3(workspace.audio(article.narration.audio_name).read_bytes())
                this_rate = _sample_rate(data)
                if rate and this_rate != rate:
                    raise BuildError(f"narrations use different sample rates ({rate} and {this_rate} Hz)", retryable=False)
                rate = this_rate
                if index:
                    if not pause:
                        pause = encode_mp3(b"\x00\x00" * int(rate * PAUSE_SECONDS), rate)
                    fh.write(pause)
                    position_ms += mp3_samples(pause) * 1000 / rate
                start = position_ms
                fh.write(data)
                position_ms += mp3_samples(data) * 1000 / rate
                chapters.append(
                    {
                        "id": f"ch{index}",
                        "title": article.title,
                        "article": article.pk,
                        "start_ms": round(start),
                        "end_ms": round(position_ms),
                    }
                )
        self._tag(out, content, chapters, workspace)
        return Built(out, duration_ms=round(position_ms), details={"chapters": chapters, "articles": len(content.articles)})

    def _tag(self, path: Path, content: IssueContent, chapters: list[dict[str, Any]], workspace: Workspace) -> None:
        tags = id3.ID3()
        tags.add(id3.TIT2(encoding=3, text=[f"{content.magazine}: {content.label} ({content.cover_date.isoformat()})"]))
        tags.add(id3.TALB(encoding=3, text=[content.magazine]))
        tags.add(id3.TPE1(encoding=3, text=[content.publisher]))
        tags.add(id3.TDRC(encoding=3, text=[content.cover_date.isoformat()]))
        tags.add(id3.TCON(encoding=3, text=["Speech"]))
        tags.add(
            id3.CTOC(
                element_id="toc",
                flags=id3.CTOCFlags.TOP_LEVEL | id3.CTOCFlags.ORDERED,
                child_element_ids=[chapter["id"] for chapter in chapters],
                sub_frames=[id3.TIT2(encoding=3, text=["Contents"])],
            )
        )
        for chapter in chapters:
            tags.add(
                id3.CHAP(
                    element_id=chapter["id"],
                    start_time=chapter["start_ms"],
                    end_time=chapter["end_ms"],
                    sub_frames=[id3.TIT2(encoding=3, text=[chapter["title"]])],
                )
            )
        if content.cover is not None:
            cover = workspace.image(content.cover, COVER_PX)
            tags.add(id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover.path.read_bytes()))
        tags.save(str(path), v2_version=4)
