"""The segmentation policy's nftables rules (the ruleset interfaces.sh loads) pass
`nft -c -f` in a throwaway network namespace (`unshare -n`), in both dataplanes, for
every linux_strongswan device of the inventories with a policy, and load for every
device of the lab's view of them; loaded, they hold the names the lab's policy check
relies on; FRR takes the empty prefix set's deny-all."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from functools import cache
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from netorch import api
from netorch.inventory import load
from netorch.lab.pipeline import lab_inventory
from netorch.lab.spec import build_spec
from netorch.plan.model import FabricPlan, PrefixEntry, PrefixSet
from netorch.render import Renderer, RenderOptions
from netorch.render.context import device_contexts

from .parsers import check_frr

pytestmark = pytest.mark.realparser
ROOT = Path(__file__).resolve().parents[2]
INVENTORIES = {"eastern-region": ROOT / "inventories" / "eastern-region",
               "cnsa-regional": ROOT / "tests" / "fixtures" / "cnsa-regional.yaml"}
PLATFORM = "linux_strongswan"
HEREDOC = re.compile(r"^nft -f - <<'NFT'\n(.*?)^NFT$", re.S | re.M)
TIMEOUT = 20


@pytest.fixture
def nft(tools: None) -> None:
    if shutil.which("nft") is None:
        pytest.skip("nft is not installed")


@cache
def _plan(name: str) -> FabricPlan:
    return api.plan(api.load(INVENTORIES[name]))


@cache
def _rendered(name: str, dataplane: str) -> dict[str, dict[str, str]]:
    plan = _plan(name)
    devices = {d.name for d in plan.devices if d.platform == PLATFORM}
    return api.render(plan, redact=True, options=RenderOptions(dataplane=dataplane),
                      devices=devices)


@cache
def _lab_rendered(name: str) -> dict[str, dict[str, str]]:
    """The lab's view: every device linux_strongswan, lab dataplane."""
    inventory = load(INVENTORIES[name])
    plan = api.plan(lab_inventory(inventory, build_spec(inventory, f"t-nft-{name}")))
    return api.render(plan, redact=True, options=RenderOptions(dataplane="lab"))


def _rules(name: str, dataplane: str, device: str) -> str:
    found = HEREDOC.search(_rendered(name, dataplane)[device]["interfaces.sh"])
    assert found is not None
    return found[1]


def nft_in_throwaway_netns(workdir: Path, rules: str, *then: str
                           ) -> subprocess.CompletedProcess[str]:
    """`nft -c -f FILE` (or, with `then`, load FILE and run those nft commands) in a
    network namespace of its own that ends with the command: nothing on the host's
    ruleset is read or changed."""
    path = workdir / "rules.nft"
    path.write_text(rules)
    if not then:
        argv = ["unshare", "-n", "nft", "-c", "-f", str(path)]
    else:
        script = " && ".join([f"nft -f {path}", *(f"nft {c}" for c in then)])
        argv = ["unshare", "-n", "sh", "-c", script]
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)


CASES = [(name, dataplane, device) for name in INVENTORIES for dataplane in ("kernel", "lab")
         for device in sorted(d.name for d in _plan(name).devices if d.platform == PLATFORM)]


@pytest.mark.parametrize(("case", "dataplane", "device"), CASES,
                         ids=[f"{c}-{p}/{d}" for c, p, d in CASES])
def test_nft_accepts_policy_rules(nft: None, workdir: Path, case: str, dataplane: str,
                                  device: str) -> None:
    rules = _rules(case, dataplane, device)
    assert "chain policy-fabric" in rules
    done = nft_in_throwaway_netns(workdir, rules)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_nft_check_rejects_a_broken_rule(nft: None, workdir: Path) -> None:
    rules = _rules("cnsa-regional", "kernel", "na-r1").replace(
        "tcp dport 443", "tcp dport 443 nosuchkeyword", 1)
    done = nft_in_throwaway_netns(workdir, rules)
    assert done.returncode != 0 and "syntax error" in done.stderr


def test_nft_check_rejects_an_unknown_set(nft: None, workdir: Path) -> None:
    rules = _rules("cnsa-regional", "kernel", "na-r1").replace(
        "ip daddr @group-", "ip daddr @nosuchgroup-", 1)
    done = nft_in_throwaway_netns(workdir, rules)
    assert done.returncode != 0 and "nosuchgroup" in done.stderr


def test_loaded_policy_holds_the_names_the_lab_uses(nft: None, workdir: Path) -> None:
    """Loaded twice (interfaces.sh runs again on every change): one netorch table with the
    documented sets, map, counters and chains; flushing the two policy base chains (a
    device whose own firewall is removed) keeps the MSS clamp."""
    rules = _rules("eastern-region", "lab", "cam-hq-r1")
    done = nft_in_throwaway_netns(workdir, rules, f"-f {workdir / 'rules.nft'}",
                                  "-j list table inet netorch",
                                  "flush chain inet netorch policy-forward",
                                  "flush chain inet netorch policy-input",
                                  "-j list table inet netorch")
    assert done.returncode == 0, done.stderr
    before, after = (json.loads(line)["nftables"] for line in done.stdout.splitlines())
    kinds = {(k, v["name"]) for item in before for k, v in item.items()
             if k in ("set", "map", "counter", "chain")}
    assert {("set", "policy-tunnels"), ("set", "policy-site"), ("set", "src-fabric-reach-41"),
            ("map", "policy-sources"), ("counter", "policy-drops"),
            ("counter", "policy-spoofed-fabric"), ("counter", "policy-spoofed-lan"),
            ("counter", "policy-input-drops"), ("chain", "forward"),
            ("chain", "policy-forward"), ("chain", "policy-fabric"),
            ("chain", "policy-input"), ("chain", "policy-device"),
            ("chain", "policy-from-lan"), ("chain", "policy-from-fabric-reach-41")} <= kinds
    tunnels = next(v for item in before for k, v in item.items()
                   if k == "set" and v["name"] == "policy-tunnels")
    assert tunnels["type"] == "ifname" and all(e.startswith("vx") for e in tunnels["elem"])
    sources = next(v for item in before for k, v in item.items()
                   if k == "map" and v["name"] == "policy-sources")
    assert sources["type"] == "ifname" and sources["map"] == "verdict"
    assert {e[0] for e in sources["elem"]} == set(tunnels["elem"])
    hooked = {v["name"] for item in after for k, v in item.items()
              if k == "chain" and "hook" in v}
    rules_after = [v for item in after for k, v in item.items() if k == "rule"]
    assert {r["chain"] for r in rules_after} & hooked == {"forward"}


LAB_VIEW = [(name, d) for name in INVENTORIES
            for d in sorted(_lab_rendered(name))]


@pytest.mark.parametrize(("case", "device"), LAB_VIEW, ids=[f"{c}/{d}" for c, d in LAB_VIEW])
def test_nft_accepts_the_lab_views_rules(nft: None, workdir: Path, case: str,
                                         device: str) -> None:
    """Every device of the plan the lab runs (all linux_strongswan: hubs with hub-hub
    tunnels, a mesh end accepting fabric-none) loads, twice, in a throwaway namespace."""
    found = HEREDOC.search(_lab_rendered(case)[device]["interfaces.sh"])
    assert found is not None
    done = nft_in_throwaway_netns(workdir, found[1], f"-f {workdir / 'rules.nft'}")
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_nested_source_prefixes_load_merged(nft: None, workdir: Path) -> None:
    """A source set written with a prefix inside another (a `le` aggregate and a site's
    own /16, say) loads: nft's auto-merge keeps the outer range."""
    plan = _plan("cnsa-regional")
    renderer = Renderer(RenderOptions())
    ctx = next(device_contexts(plan, None, redact=True, options=renderer.options.variables(),
                               devices={"na-r1"}))
    nested = PrefixSet(name="fabric-reach-2", description="x", entries=[
        PrefixEntry(prefix=IPv4Network("10.0.0.0/8"), le=32),
        PrefixEntry(prefix=IPv4Network("10.1.0.0/16")),
        PrefixEntry(prefix=IPv4Network("100.65.0.1/32"))])
    ctx = dataclasses.replace(ctx, prefix_sets=[nested if s.name == nested.name else s
                                                for s in ctx.prefix_sets])
    found = HEREDOC.search(renderer.render_device(ctx)["interfaces.sh"])
    assert found is not None
    done = nft_in_throwaway_netns(workdir, found[1],
                                  "-j list set inet netorch src-fabric-reach-2")
    assert done.returncode == 0, done.stderr
    listed = next(v for item in json.loads(done.stdout)["nftables"] for k, v in item.items()
                  if k == "set")
    assert listed["elem"] == [{"prefix": {"addr": "10.0.0.0", "len": 8}}, "100.65.0.1"]


def test_frr_accepts_the_empty_prefix_set(tools: None, workdir: Path) -> None:
    plan = _plan("cnsa-regional")
    renderer = Renderer(RenderOptions())
    ctx = next(device_contexts(plan, None, redact=True, options=renderer.options.variables(),
                               devices={"na-r1"}))
    none = PrefixSet(name="fabric-none", description="no route", entries=[])
    ctx = dataclasses.replace(ctx, prefix_sets=[*ctx.prefix_sets, none])
    text = renderer.render_device(ctx)["frr.conf"]
    assert "ip prefix-list fabric-none seq 5 deny 0.0.0.0/0 le 32" in text
    path = workdir / "frr.conf"
    path.write_text(text)
    assert check_frr(path) == []
