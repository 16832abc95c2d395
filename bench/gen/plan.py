"""How big each part of the data set is, scaled from the number of cases asked for."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Plan:
    cases: int
    areas: int
    seed: int
    batch: int
    coordinators_per_area: int
    leads_per_agency: int
    practitioners_per_agency: int
    referrers_per_area: int
    auditors: int
    lsts_per_area: int
    large_cases: int
    awaiting_triage: int
    meeting_months: int

    @classmethod
    def make(cls, cases: int, areas: int = 20, seed: int = 1, batch: int | None = None) -> Plan:
        per_area = max(1, cases // max(1, areas))
        return cls(
            cases=cases,
            areas=areas,
            seed=seed,
            batch=batch or min(1000, max(50, cases)),
            coordinators_per_area=3,
            leads_per_agency=2,
            # Lead professionals and action owners: about 60 cases each over the years.
            practitioners_per_agency=max(2, per_area // 8 // 60),
            # A few thousand at 100,000 cases.
            referrers_per_area=max(4, per_area // 30),
            auditors=3,
            lsts_per_area=3,
            # About 1,700 chronology entries each: ten at 100,000 cases.
            large_cases=cases // 10000 if cases >= 10000 else (1 if cases >= 500 else 0),
            # A few hundred referrals awaiting triage at 100,000 cases, some in every area.
            awaiting_triage=max(areas, cases * 3 // 1000),
            meeting_months=24 if cases >= 500 else 3,
        )

    @property
    def batches(self) -> int:
        return -(-self.cases // self.batch)

    def as_dict(self) -> dict:
        return asdict(self)
