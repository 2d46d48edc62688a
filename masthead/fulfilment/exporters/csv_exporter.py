"""The mailing list as CSV, one envelope per row, in the column order mailing houses expect."""

from __future__ import annotations

import csv
from typing import IO

from masthead.core.spreadsheets import safe_cell
from masthead.fulfilment.exporters import MailingExportError
from masthead.fulfilment.mailing import Mailing

COLUMNS = ["issue", "name", "line1", "line2", "city", "region", "postcode", "country", "phone", "email", "reader_id"]


class CSVMailingExporter:
    def export(self, mailing: Mailing, out: IO[str]) -> int:
        writer = csv.writer(out, lineterminator="\r\n")
        rows = 0
        try:
            writer.writerow(COLUMNS)
            for recipient in mailing.addressed:
                address = recipient.address
                assert address is not None  # `addressed` holds only recipients with an address
                writer.writerow(
                    [
                        safe_cell(str(v))
                        for v in (
                            mailing.issue_label,
                            address.name,
                            address.line1,
                            address.line2,
                            address.city,
                            address.region,
                            address.postcode,
                            address.country,
                            address.phone,
                            recipient.email,
                            recipient.user_id,
                        )
                    ]
                )
                rows += 1
        except OSError as exc:
            # A full disk or a dropped network share may clear; the data itself is fine.
            raise MailingExportError(f"Could not write the mailing list: {exc}", retryable=True) from exc
        return rows
