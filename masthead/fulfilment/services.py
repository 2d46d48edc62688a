"""Writes and questions about postal addresses; billing asks requires_address before a print checkout."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from masthead.fulfilment.models import ADDRESS_FIELDS, MailingListExport, PostalAddress


def address_for(user: Any) -> PostalAddress | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return PostalAddress.objects.filter(user_id=user.pk).first()


def requires_address(user: Any) -> bool:
    """True when this reader must give (or fix) a postal address before buying a plan with print.

    An address saved under older rules is checked again, so a print checkout
    never starts with an address the mailing house would reject.
    """
    address = address_for(user)
    if address is None:
        return True
    try:
        address.full_clean(exclude=["user"])
    except ValidationError:
        return True
    return False


@transaction.atomic
def save_address(*, user: Any, **fields: Any) -> PostalAddress:
    """Create or replace the reader's address; raises ValidationError naming each bad field, writing nothing."""
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown address fields: {', '.join(sorted(unknown))}.")
    address = PostalAddress.objects.select_for_update().filter(user_id=user.pk).first() or PostalAddress(user=user)
    for name in ADDRESS_FIELDS:
        setattr(address, name, fields.get(name, "") or "")
    address.full_clean()
    address.save()
    return address


def record_export(*, issue: Any, mailing: Any, created_by: Any = None) -> MailingListExport:
    """Store this mailing as CSV: the latest version again if nothing changed, else the next version.

    Two staff clicking at once both get one row: the unique (issue, version)
    constraint makes the loser re-read and find the winner's identical version.
    """
    from masthead.fulfilment.exporters.csv_exporter import CSVMailingExporter

    out = io.StringIO()
    rows = CSVMailingExporter().export(mailing, out)
    content = out.getvalue()
    digest = hashlib.sha256(content.encode()).hexdigest()
    for _ in range(3):
        latest = MailingListExport.objects.filter(issue=issue).order_by("-version").first()
        if latest and latest.sha256 == digest:
            return latest
        try:
            with transaction.atomic():
                return MailingListExport.objects.create(
                    issue=issue,
                    issue_label=mailing.issue_label,
                    version=(latest.version + 1) if latest else 1,
                    sha256=digest,
                    content=content,
                    rows=rows,
                    missing=len(mailing.missing),
                    taken_at=mailing.taken_at,
                    created_by=created_by,
                )
        except IntegrityError:
            continue  # someone else stored a version first; look again
    raise IntegrityError("Could not store the mailing list export after 3 attempts; try again.")
