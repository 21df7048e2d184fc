"""Trailer totals recomputed from the records a file holds.

The validator compares these with what the trailer claims; the exporter writes them. Counting
conventions (checked against moov-io/metro2's fixtures): identifiers are counted when reported
(not blank, not all zeros) in the base, J1 and J2 segments; the block count is the number of
records including header and trailer (one record per block).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bureau.furnishing.metro2.layout import TRAILER_STATUS_CODES
from bureau.furnishing.metro2.records import Record

_PEOPLE = ("base", "J1", "J2")
_SEGMENT_TOTALS = {
    "J1": "total_j1_segments",
    "J2": "total_j2_segments",
    "K1": "total_k1_segments",
    "K2": "total_k2_segments",
    "K3": "total_k3_segments",
    "K4": "total_k4_segments",
    "L1": "total_l1_segments",
    "N1": "total_n1_segments",
}
_STATUS_TOTALS = {code: f"total_status_{code.lower()}" for code in TRAILER_STATUS_CODES}


def _reported(text: str) -> bool:
    stripped = text.strip(" 0")
    return bool(stripped)


@dataclass
class Totals:
    """Running totals over a file's records (feed every record, header and trailer included)."""

    counts: dict[str, int] = field(default_factory=dict)
    records: int = 0

    def _bump(self, name: str, by: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + by

    def add(self, record: Record) -> None:
        self.records += 1
        if record.kind != "base":
            return
        self._bump("total_base_records")
        status = record.main.raw("account_status")
        if status in _STATUS_TOTALS:
            self._bump(_STATUS_TOTALS[status])
        for segment in record.segments:
            if segment.kind in _SEGMENT_TOTALS:
                self._bump(_SEGMENT_TOTALS[segment.kind])
            if segment.kind not in _PEOPLE:
                continue
            who = "base" if segment.kind == "base" else segment.kind.lower()
            if segment.raw("ecoa_code") == "Z":
                self._bump("total_ecoa_z")
            if _reported(segment.raw("ssn")):
                self._bump("total_ssn_all")
                self._bump(f"total_ssn_{who}")
            if _reported(segment.raw("date_of_birth")):
                self._bump("total_dob_all")
                self._bump(f"total_dob_{who}")
            if _reported(segment.raw("telephone")):
                self._bump("total_telephone_all")

    def expected(self, *, including_trailer: bool = True) -> dict[str, int]:
        """Every trailer total (zero when nothing was counted), block count included."""
        names = [
            "total_base_records",
            *_STATUS_TOTALS.values(),
            *_SEGMENT_TOTALS.values(),
            "total_ecoa_z",
            *(f"total_ssn_{w}" for w in ("all", "base", "j1", "j2")),
            *(f"total_dob_{w}" for w in ("all", "base", "j1", "j2")),
            "total_telephone_all",
        ]
        out = {name: self.counts.get(name, 0) for name in names}
        out["block_count"] = self.records + (1 if including_trailer else 0)
        return out
