"""The simulated SRX takes the segmentation policy's statements as Junos does: security
policies, global address-book entries, applications and application-sets; it refuses a
word outside their grammar at that word, and a commit naming an address, application or
route-filter-list the configuration does not define (netorch/platforms/juniper_junos/
sim_policy.py)."""

from __future__ import annotations

import pytest

from netorch.platforms.juniper_junos.sim import JunosDevice, bad_token
from tests.render.structure import configs

_POLICY = "set security policies from-zone trust to-zone netorch-vpn policy netorch-rule-1"
_ZONES = ("set security zones security-zone trust",
          "set security zones security-zone netorch-vpn")


def _commit(*commands: str) -> tuple[str, JunosDevice]:
    """The replies to `commands` then `commit` on an empty SRX."""
    device = JunosDevice("j1")
    session = device.session()
    session.handle("configure exclusive")
    replies = [session.handle(c).text for c in commands]
    bad = [(c, r) for c, r in zip(commands, replies, strict=True) if r]
    assert bad == [], bad
    return session.handle("commit").text, device


@pytest.mark.parametrize(("case", "device"), [("cnsa-regional", "sa-r1"),
                                              ("eastern-region", "dcs-fw1"),
                                              ("eastern-region", "sfk-hq-r1")])
def test_a_rendered_policy_config_commits(case: str, device: str) -> None:
    """Every rendered statement is in the grammar and every reference is defined (a hub,
    a spoke, and a spoke with a `fabric-none` end)."""
    text = configs(case, "juniper_junos")[device]
    commands = [ln for ln in text.splitlines() if ln.startswith("set ")]
    reply, sim = _commit(*commands)
    assert "commit complete" in reply, reply
    assert "netorch-deny then deny" in sim.running_text()


@pytest.mark.parametrize(("statement", "word"), [
    (f"{_POLICY} then permitt", "permitt"),
    (f"{_POLICY} then log session-start", "session-start"),
    (f"{_POLICY} then deny now", "now"),
    (f"{_POLICY} match source-adress a", "source-adress"),
    (f"{_POLICY} match application a b", "b"),
    (f"{_POLICY} matches application a", "matches"),
    ("set security address-book global address a 10.1.0.1/16", "10.1.0.1/16"),
    ("set security address-book global address a 10.1.0.0/33", "10.1.0.0/33"),
    ("set security address-book global address-set s adress a", "adress"),
    ("set applications application a destination-port 70000", "70000"),
    ("set applications application a destination-port 8444-8443", "8444-8443"),
    ("set applications application a destination-port web", "web"),
    ("set applications application a protocol tcpx", "tcpx"),
    ("set applications application a dest-port 443", "dest-port"),
    (f"set applications application {'a' * 64} protocol tcp", "a" * 64),
    (f"set applications application-set s application {'a' * 64}", "a" * 64),
    # Junos YANG: policy, address and address-set names are 1 to 63 characters too
    (f"{_POLICY[:-len('netorch-rule-1')]}{'p' * 64} then permit", "p" * 64),
    (f"set security address-book global address {'a' * 64} 10.1.0.0/16", "a" * 64),
    (f"set security address-book global address-set {'s' * 64} address a", "s" * 64),
    ("set applications application-set s app a", "app"),
])
def test_a_word_outside_the_grammar_is_refused_there(statement: str, word: str) -> None:
    words = statement.split()
    assert words[bad_token(words) or 0] == word
    device = JunosDevice("j1")
    session = device.session()
    session.handle("configure")
    reply = session.handle(statement).text
    assert "syntax error" in reply, reply
    assert session.handle("show | compare").text == ""


@pytest.mark.parametrize("statement", [
    f'{_POLICY} description "from zone:police to org:Courts B: https, tcp/8443-8444"',
    f"{_POLICY} match source-address any-ipv4",
    f"{_POLICY} then log session-close",
    f"{_POLICY} then permit application-services idp",
    "set security address-book global address a 192.0.2.1/32",
    f"set security address-book global address {'a' * 63} 192.0.2.1/32",
    f"set security address-book global address-set {'s' * 63} address {'a' * 63}",
    f"{_POLICY[:-len('netorch-rule-1')]}{'p' * 63} then permit",
    "set security address-book global address a dns-name www.example.net",
    "set applications application a destination-port https",
    "set applications application a protocol 47",
    "set applications application a term t1 protocol udp destination-port 53",
    "set applications application-set s application-set t",
    "delete security policies from-zone trust to-zone netorch-vpn policy netorch-rule-1",
    "insert security policies from-zone a to-zone b policy p before policy q",
    "set security policies global policy g match from-zone dmz",
    "set security policies default-policy deny-all",
])
def test_what_junos_takes_is_taken(statement: str) -> None:
    assert bad_token(statement.split()) is None


@pytest.mark.parametrize(("missing", "error"), [
    ("set security address-book global address-set netorch-any address netorch-10.1.0.0_16",
     "Referenced address netorch-any is not defined"),
    ("set applications application netorch-https protocol tcp",
     "Referenced application netorch-https is not defined"),
    ("set security address-book global address netorch-10.1.0.0_16 10.1.0.0/16",
     "Referenced address netorch-10.1.0.0_16 is not defined"),
    ("set applications application netorch-dns-udp-53 protocol udp",
     "Referenced application netorch-dns-udp-53 is not defined"),
    ("set policy-options route-filter-list netorch-site-a 10.1.0.0/16 exact",
     "Referenced route-filter-list netorch-site-a is not defined"),
])
def test_commit_refuses_a_reference_to_nothing(missing: str, error: str) -> None:
    config = [*_ZONES,
              "set security address-book global address netorch-10.1.0.0_16 10.1.0.0/16",
              "set security address-book global address-set netorch-any address "
              "netorch-10.1.0.0_16",
              "set applications application netorch-https protocol tcp",
              "set applications application netorch-dns-udp-53 protocol udp",
              "set applications application-set netorch-dns application netorch-dns-udp-53",
              f"{_POLICY} match source-address netorch-any",
              f"{_POLICY} match destination-address any",
              f"{_POLICY} match application netorch-https",
              f"{_POLICY} match application netorch-dns",
              f"{_POLICY} match application junos-ssh",
              f"{_POLICY} then permit",
              "set policy-options route-filter-list netorch-site-a 10.1.0.0/16 exact",
              "set policy-options policy-statement netorch-st0-1000-in term accept from "
              "route-filter-list netorch-site-a",
              "set policy-options policy-statement netorch-st0-1000-in then reject"]
    reply, _ = _commit(*config)
    assert "commit complete" in reply, reply
    reply, sim = _commit(*(c for c in config if c != missing))
    assert error in reply and "configuration check-out failed" in reply, reply
    assert sim.running_text().count("\n") == 2  # nothing committed


def test_an_empty_prefix_set_named_by_a_term_would_be_refused() -> None:
    """Why the template leaves the term out: `fabric-none` has no entries, so no
    route-filter-list of that name exists to match."""
    reply, _ = _commit("set policy-options policy-statement netorch-st0-1009-in term accept "
                       "from route-filter-list netorch-fabric-none",
                       "set policy-options policy-statement netorch-st0-1009-in then reject")
    assert "Referenced route-filter-list netorch-fabric-none is not defined" in reply, reply


def test_one_action_replaces_another_and_a_port_its_old_value() -> None:
    reply, device = _commit(*_ZONES, f"{_POLICY} match source-address any",
                            f"{_POLICY} match destination-address any",
                            f"{_POLICY} match application netorch-a",
                            "set applications application netorch-a protocol tcp",
                            "set applications application netorch-a destination-port 443",
                            f"{_POLICY} then permit", f"{_POLICY} then deny",
                            "set applications application netorch-a destination-port 8443")
    assert "commit complete" in reply, reply
    shown = device.running_text()
    assert f"{_POLICY} then deny\n" in shown and "then permit" not in shown
    assert "destination-port 8443\n" in shown and "destination-port 443\n" not in shown
    # a firewall filter's destination ports are a list: both stay
    _, device = _commit("set firewall filter f term t from destination-port 80",
                        "set firewall filter f term t from destination-port 443")
    assert device.running_text().count("from destination-port") == 2


_ZONE_BOOK = "set security zones security-zone trust address-book"


def test_a_zone_address_book_beside_a_global_one_is_refused() -> None:
    """Junos: "Zone specific address books are not allowed when there are global address
    books defined" (any `security address-book`, global or attached); either alone
    commits, and an inactive zone book is no zone book."""
    zone_book = (f"{_ZONE_BOOK} address op-dns 192.0.2.53/32",
                 f"{_ZONE_BOOK} address-set op-servers address op-dns")
    ours = "set security address-book global address netorch-10.1.0.0_16 10.1.0.0/16"
    for alone in (zone_book, (ours,), ("set security address-book b1 attach zone trust",)):
        reply, _ = _commit(*_ZONES, *alone)
        assert "commit complete" in reply, reply
    reply, sim = _commit(*_ZONES, *zone_book, ours)
    assert reply == ("[edit security zones security-zone trust]\n    Zone specific address "
                     "books are not allowed when there are global address books defined\n"
                     "error: configuration check-out failed\n"), reply
    assert "address-book" not in sim.running_text()
    reply, _ = _commit(*_ZONES, *zone_book, "deactivate security zones security-zone trust "
                       "address-book", ours)
    assert "commit complete" in reply, reply
