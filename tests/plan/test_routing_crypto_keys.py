"""Routing policy, preference, negotiated crypto and derived keys."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv4Network

import pytest

from netorch.errors import SecretMissing, UserError
from netorch.keys import Secret, load_secret
from netorch.plan import make_plan
from netorch.plan.routing import FABRIC_SET
from netorch.platforms import registry
from tests.plan.factory import inventory, site


def plan_of(inv):  # type: ignore[no-untyped-def]
    result = make_plan(inv)
    assert result.plan is not None, result.findings
    return result.plan


def test_primary_underlay_is_preferred_and_backup_is_prepended() -> None:
    plan = plan_of(inventory([site(1), site(2)]))
    by_underlay = {t.underlay: t for t in plan.tunnels}
    private, internet = by_underlay["private"], by_underlay["internet"]
    assert (private.rank, private.prepend) == (0, 0)
    assert (internet.rank, internet.prepend) == (1, 1)
    assert private.local_preference > internet.local_preference


def test_spokes_advertise_only_their_own_prefixes_and_hubs_accept_only_those() -> None:
    plan = plan_of(inventory([site(1), site(2), site(3)], hubs=["s1"]))
    spoke = next(t for t in plan.tunnels if t.b.site == "s2")
    assert spoke.b.advertises == "site-s2"          # the spoke sends only its own
    assert spoke.a.accepts == "site-s2"             # the hub takes only that from it
    assert spoke.b.accepts == FABRIC_SET            # the spoke takes the fabric from the hub
    assert spoke.a.advertises == FABRIC_SET         # the hub re-advertises everyone
    sets = {s.name: [e.prefix for e in s.entries] for s in plan.prefix_sets}
    loopback = plan.device("s2-r1").loopback
    assert sets["site-s2"] == [IPv4Network("10.0.2.0/24"), loopback.network]


def test_full_mesh_peers_accept_exactly_each_others_prefixes() -> None:
    plan = plan_of(inventory([site(1), site(2), site(3)], kind="full-mesh"))
    for t in plan.tunnels:
        assert t.a.accepts == f"site-{t.b.site}" and t.b.accepts == f"site-{t.a.site}"


def test_asn_is_base_plus_site_id() -> None:
    plan = plan_of(inventory([site(1), site(42)]))
    assert {d.name: d.asn for d in plan.devices} == {"s1-r1": 4200000001, "s42-r1": 4200000042}


@pytest.mark.parametrize(("profile", "name"), [
    ("ncsc-prime", "aes128gcm16-prfsha256-ecp256"), ("cnsa", "aes256gcm16-prfsha384-ecp384")])
def test_plan_records_the_negotiated_proposal(profile: str, name: str) -> None:
    plan = plan_of(inventory([site(1), site(2, platform="juniper_junos")],
                             crypto={"profile": profile, "auth": "certificate"}))
    assert {t.proposal.name for t in plan.tunnels} == {name}
    assert all(t.key_ref is None and t.auth == "certificate" for t in plan.tunnels)


def test_the_first_choice_both_platforms_support_is_chosen() -> None:
    crypto = {"profile": "custom", "auth": "psk",
              "ike": {"encryption": ["chacha20-poly1305", "aes-256-gcm"], "prf": ["sha384"],
                      "dh_groups": [31, 20]},
              "esp": {"encryption": ["chacha20-poly1305", "aes-256-gcm"], "pfs_groups": [31, 20]}}
    plan = plan_of(inventory([site(1, platform="linux_strongswan"),
                              site(2, platform="fortinet_fortios"),
                              site(3, platform="cisco_iosxe")], crypto=crypto))
    chosen = {t.b.platform: (t.proposal.ike.encryption, t.proposal.ike.dh_group)
              for t in plan.tunnels}
    assert chosen["fortinet_fortios"] == ("chacha20-poly1305", 31)
    assert chosen["cisco_iosxe"] == ("aes-256-gcm", 20)


def test_no_common_proposal_names_both_devices_and_what_is_missing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    platforms = dict(registry())
    platforms["juniper_junos"] = dataclasses.replace(platforms["juniper_junos"],
                                                     dh_groups=frozenset({14}))
    monkeypatch.setattr("netorch.plan.build.registry", lambda: platforms)
    result = make_plan(inventory([site(1), site(2, platform="juniper_junos")]))
    assert result.plan is None
    messages = {f.message for f in result.findings}
    assert any("s1-r1 (cisco_iosxe) and s2-r1 (juniper_junos) share no IKE DH group" in m
               and "offers 19" in m for m in messages)


def test_psk_is_hkdf_bound_to_fabric_and_tunnel_and_never_printed() -> None:
    secret = Secret(b"correct horse battery staple")
    key = secret.derive("eastern", "a--b--private")
    assert len(bytes.fromhex(key)) == 32
    assert key == secret.derive("eastern", "a--b--private")
    assert key != secret.derive("eastern", "a--b--internet")
    assert key != secret.derive("western", "a--b--private")
    assert "correct" not in repr(secret) and "correct" not in str(secret)


def test_plan_holds_key_references_never_keys() -> None:
    plan = plan_of(inventory([site(1), site(2)]))
    text = plan.model_dump_json()
    secret = Secret(b"0123456789abcdef0123")
    for t in plan.tunnels:
        assert t.key_ref == f"psk:{t.a.device}--{t.b.device}"
        assert secret.derive("test", t.key_ref) not in text


def test_secret_comes_from_env_or_file_and_missing_is_a_clear_error(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NETORCH_SECRET", raising=False)
    with pytest.raises(SecretMissing, match="NETORCH_SECRET"):
        load_secret(None)
    monkeypatch.setenv("NETORCH_SECRET", "0123456789abcdef" * 2)
    assert load_secret(None) is not None
    short = tmp_path / "s"
    short.write_text("short\n")
    with pytest.raises(UserError, match="too short") as info:
        load_secret(short)
    assert "short\n" not in str(info.value).replace("too short", "")


def test_a_hub_prefers_its_own_backup_tunnel_to_a_site_over_the_other_hub() -> None:
    sites = [site(1), site(2), site(3, underlays=("internet",))]
    plan = plan_of(inventory(sites, hubs=["s1", "s2"]))
    hub_hub = max(t.local_preference for t in plan.tunnels if t.kind == "hub-hub")
    direct = next(t for t in plan.tunnels if t.kind == "hub-spoke" and t.b.site == "s3")
    assert direct.underlay == "internet"
    assert direct.local_preference > hub_hub
