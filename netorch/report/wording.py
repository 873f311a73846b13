"""The report's sentences with numbers in them, worded once for every format.

Templates call these as filters (`count`, `verdict`, `reached_by`, `segmentation`,
`services`, `drift_case`), so HTML and
Markdown say the same thing and a plural is never left to a template.
"""

from __future__ import annotations

from netorch.report.model import DriftCase, PolicyCell, Segmentation, Summary, ZoneAnswer


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun, singular or plural.

    >>> count(1, "tunnel"), count(2, "tunnel"), count(0, "HA pair")
    ('1 tunnel', '2 tunnels', '0 HA pairs')
    >>> count(2, "class", "classes")
    '2 classes'
    """
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _verb(n: int, singular: str, plural: str) -> str:
    return singular if n == 1 else plural


def verdict(s: Summary) -> str:
    """'N of M tunnels pass (K with warnings)', or how many fail.

    N counts every tunnel that passes, those with warnings included.
    """
    total, fail, warn = s.tunnels, s.compliance["fail"], s.compliance["warn"]
    if fail:
        failing = f"{fail} of {count(total, 'tunnel')} {_verb(total, 'fails', 'fail')}"
        return f"{failing} the crypto checks"
    passing = f"{total - fail} of {count(total, 'tunnel')} {_verb(total, 'passes', 'pass')}"
    return passing + (f" ({warn} with warnings)" if warn > 1 else
                      " (1 with a warning)" if warn == 1 else "")


def reached_by(z: ZoneAnswer) -> str:
    """Which sites the zone's reached-by count counts: those outside the zone (the
    formats name the ones it is unreachable from beside it).

    >>> z = ZoneAnswer(zone="cps", sites=["c"], reached_by=3, outside=4,
    ...                unreachable_from=["x"], routes=[], tunnels=0, compliant_tunnels=0)
    >>> reached_by(z)
    '3 of the 4 sites outside cps'
    """
    if z.outside == 0:
        return f"no site outside {z.zone}: every site is in it"
    if z.outside == 1:
        return f"{'' if z.reached_by else 'not '}the one site outside {z.zone}"
    if not z.unreachable_from:
        return f"all {z.outside} sites outside {z.zone}"
    return f"{z.reached_by} of the {z.outside} sites outside {z.zone}"


def segmentation(p: Segmentation | None) -> str:
    """The summary's line on the policy: flat, or what it allows and whether the plan
    carries exactly that."""
    if p is None:
        return ("none: the fabric is flat, every site reaches every other (the inventory "
                "has no policy)")
    said = (f"default {p.default} between organisations, {p.same_organisation} within one, "
            f"{count(p.rules, 'rule')}: {p.intended_pairs} of the {count(p.pairs, 'pair')} of "
            f"sites may open some service")
    if not p.differing:
        return said + "; the plan lets through exactly what the policy allows"
    return said + (f"; the plan differs from the policy for {count(p.differing, 'pair')} "
                   "of sites (see the differences)")


def services(c: PolicyCell) -> str:
    """A matrix cell: the services every pair may open, then the others with how many
    pairs may.

    >>> from netorch.report.model import ServicePairs as S
    >>> services(PolicyCell(source="a", target="b", pairs=12, allowed=12, services=[
    ...     S(service="https", pairs=12), S(service="any", pairs=3)]))
    'https; any (3 of 12 pairs)'
    >>> services(PolicyCell(source="a", target="a", pairs=0, allowed=0, services=[]))
    '—'
    """
    if not c.pairs:
        return "—"
    if not c.allowed:
        return "nothing"
    every = ", ".join(s.service for s in c.services if s.pairs == c.pairs)
    some = "; ".join(f"{s.service} ({s.pairs} of {c.pairs} pairs)"
                     for s in c.services if s.pairs != c.pairs)
    return "; ".join(t for t in (every, some) if t)


def drift_case(c: DriftCase) -> str:
    """One way the plan differs, with an example pair and why."""
    allowed = ", ".join(c.intended) or "nothing"
    passes = ", ".join(c.effective) or "nothing"
    return (f"{count(c.pairs, 'pair')}: the policy allows {allowed}, the plan lets "
            f"{passes} through (e.g. {c.example[0]} → {c.example[1]}: {c.why})")
