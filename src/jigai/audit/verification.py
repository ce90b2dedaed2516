"""Everything ``jigai verify`` checks, in one pass: the chain, its anchors, and the records
registered against the trail (the ledgers)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from jigai.audit import integrity
from jigai.audit.anchors import AnchorReport, verify_anchors
from jigai.audit.services import ChainReport, verify_chain


@dataclass
class Verification:
    chain: ChainReport
    anchors: AnchorReport
    checks: list[integrity.CheckReport]
    seconds: float

    @property
    def findings(self) -> list[str]:
        found = [] if self.chain.ok else [self.chain.problem]
        found += self.anchors.problems
        for check in self.checks:
            found += check.problems
        return found

    @property
    def ok(self) -> bool:
        return not self.findings

    def figure(self, name: str) -> int:
        return sum(c.checked for c in self.checks if c.name == name)

    def figures(self) -> dict:
        """What was checked, for the audit entry and the command's output."""
        return {
            "n": self.chain.checked,
            "k": self.anchors.checked,
            "l": self.figure("ledger"),
            "x": len(self.findings),
        }


def verify_all(using: str = "default") -> Verification:
    started = time.perf_counter()
    chain = verify_chain(using=using)
    anchors = verify_anchors(using=using)
    checks = integrity.run_all(using)
    return Verification(chain, anchors, checks, time.perf_counter() - started)
