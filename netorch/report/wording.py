"""The report's sentences with numbers in them, worded once for every format.

Templates call these as filters (`count`, `verdict`, `reached_by`), so HTML and
Markdown say the same thing and a plural is never left to a template.
"""

from __future__ import annotations

from netorch.report.model import Summary, ZoneAnswer


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
