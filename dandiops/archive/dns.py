"""DNS records a deployment needs and dandiops cannot make: it has no access to the zone, so it
says which to create (the web host's, SES's DKIM records)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class DnsRecord:
    type: str
    name: str
    value: str

    def describe(self) -> str:
        return f"{self.name} {self.type} {self.value}"


def describe_records(records: Iterable[DnsRecord]) -> str:
    return "; ".join(record.describe() for record in records)
