"""Just enough IOS-XE grammar to accept what netorch renders and reject what IOS would
(the loader of a whole `show running-config` is `netorch.platforms.cisco_iosxe.sim_load`).

Each config mode lists the first words it accepts; a few keywords also have their
second word or their values checked, so a misspelt algorithm is refused with the
caret at the right word, like the real parser. Only typed lines are checked here: a
loaded config may hold any top-level command.
"""

from __future__ import annotations

import re

from netorch.platforms.cisco_iosxe import sim_zbf

STARTERS: dict[str, list[tuple[str, str]]] = {
    "config": [
        (r"^interface \S+$", "config-if"),
        (r"^router bgp \d+$", "config-router"),
        (r"^crypto ikev2 proposal \S+$", "config-ikev2-proposal"),
        (r"^crypto ikev2 policy \S+$", "config-ikev2-policy"),
        (r"^crypto ikev2 keyring \S+$", "config-ikev2-keyring"),
        (r"^crypto ikev2 profile \S+$", "config-ikev2-profile"),
        (r"^crypto ipsec profile \S+$", "ipsec-profile"),
        (r"^crypto pki trustpoint \S+$", "ca-trustpoint"),
        (r"^crypto pki certificate chain \S+$", "config-cert-chain"),
        (r"^crypto ipsec transform-set \S+ \S.*$", "cfg-crypto-trans"),
        (r"^route-map \S+( (permit|deny))?( \d+)?$", "config-route-map"),
        (r"^ip access-list (standard|extended) \S+$", "config-acl"),
        (r"^bfd-template single-hop \S+$", "config-bfd"),
        (r"^line (vty|con|aux) .+$", "config-line"),
        (r"^archive$", "config-archive"),
        (r"^vrf definition \S+$", "config-vrf"),
    ],
    # every family is a sub-mode: `address-family ipv4 vrf X` lines go into that family
    "config-router": [(r"^address-family (ipv4|ipv6|vpnv4|vpnv6|l2vpn|nsap|rtfilter|"
                       r"link-state)( \S+)*$", "config-router-af")],
    "config-ikev2-keyring": [(r"^peer \S+$", "config-ikev2-keyring-peer")],
}
STARTERS["config"] += sim_zbf.STARTERS["config"]
STARTERS["config-pmap"] = sim_zbf.STARTERS["config-pmap"]

# The first words of global configuration commands a typed line may start with (IOS-XE
# 17 `?` at `(config)#`, less hardware-specific ones); a loaded config may hold any.
_GLOBAL = {
    "aaa", "access-list", "access-session", "alias", "ap", "app-hosting", "archive",
    "authentication", "auto", "autoqos", "avc", "banner", "bfd", "bfd-template", "boot",
    "boot-end-marker", "boot-start-marker", "bridge-domain", "call-home", "card", "cdp",
    "cef", "chat-script", "class-map", "clock", "control-plane", "controller", "crypto",
    "cts", "default", "device-sensor", "device-tracking", "diagnostic", "dial-peer",
    "dialer", "dialer-list", "dot1x", "enable", "energywise", "epm", "errdisable",
    "ethernet", "event", "exception", "fhrp", "file", "flow", "gnxi", "hostname",
    "hw-module", "hw-switch", "identity", "interface", "iox", "ip", "ipv6", "kron", "key",
    "l2", "l2vpn", "license", "line", "lldp", "logging", "login", "mab", "mac",
    "mac-address-table", "macro", "management", "memory", "mka", "mls", "mmi", "monitor",
    "mpls", "multilink", "netconf", "netconf-yang", "network-clock", "no", "ntp",
    "object-group", "parameter-map", "parser", "password", "performance", "platform",
    "pnp", "policy-map", "port-channel", "power", "privilege", "process", "pseudowire-class",
    "ptp", "qos", "radius", "radius-server", "redundancy", "resource", "restconf", "rmon",
    "route-map", "router", "sampler", "scheduler", "sdm", "segment-routing", "service",
    "service-template", "sip-ua", "snmp", "snmp-server", "spanning-tree", "stackwise-virtual",
    "subscriber", "switch", "system", "table-map", "tacacs", "tacacs-server", "telemetry",
    "template", "tftp-server", "track", "transceiver", "udld", "username", "utd", "version",
    "virtual-service", "vlan", "voice", "voice-port", "vpdn", "vrf", "vstack", "vtp",
    "webvpn", "wsma", "xconnect", "zone", "zone-pair",
}
KEYWORDS: dict[str, set[str]] = {
    "config": _GLOBAL,
    "config-if": {"ip", "ipv6", "description", "tunnel", "shutdown", "bfd", "mtu",
                  "negotiation", "load-interval", "bandwidth", "keepalive", "vrf", "cdp",
                  "speed", "duplex", "no", "delay", "media-type", "service-policy",
                  "zone-member"},
    "config-router": {"bgp", "neighbor", "network", "redistribute", "timers", "no",
                      "maximum-paths", "address-family", "default-information",
                      "aggregate-address", "distance", "template"},
    "config-router-af": {"neighbor", "network", "redistribute", "maximum-paths", "no",
                         "exit-address-family", "bgp", "aggregate-address", "default-information",
                         "distance"},
    "config-ikev2-proposal": {"encryption", "integrity", "prf", "group", "no"},
    "config-ikev2-policy": {"proposal", "match", "no"},
    "config-ikev2-keyring": {"peer", "no"},
    "config-ikev2-keyring-peer": {"address", "pre-shared-key", "identity", "description",
                                  "hostname", "no"},
    "config-ikev2-profile": {"match", "identity", "authentication", "keyring", "dpd",
                             "lifetime", "nat", "description", "ivrf", "pki", "no"},
    "ca-trustpoint": {"enrollment", "fqdn", "subject-name", "revocation-check", "rsakeypair",
                      "eckeypair", "subject-alt-name", "ip-address", "serial-number",
                      "chain-validation", "usage", "hash", "crl", "no"},
    "ipsec-profile": {"set", "description", "no"},
    "cfg-crypto-trans": {"mode", "no"},
    "config-route-map": {"match", "set", "description", "continue", "no"},
    "config-acl": {"permit", "deny", "remark", "no"},
    "config-bfd": {"interval", "no"},
    "config-line": {"transport", "login", "exec-timeout", "privilege", "logging", "no",
                    "session-timeout", "access-class", "stopbits"},
    "config-archive": {"path", "maximum", "write-memory", "time-period", "no"},
    "config-vrf": {"rd", "address-family", "description", "no"},
    **sim_zbf.KEYWORDS,
}

_ENCR = {"aes-cbc-128", "aes-cbc-192", "aes-cbc-256", "aes-gcm-128", "aes-gcm-256", "3des",
         "des"}
_HASH = {"sha1", "sha256", "sha384", "sha512", "md5"}
_GROUPS = {"1", "2", "5", "14", "15", "16", "19", "20", "21", "24"}
VALUES: dict[tuple[str, str], set[str]] = {
    ("config-ikev2-proposal", "encryption"): _ENCR,
    ("config-ikev2-proposal", "integrity"): _HASH,
    ("config-ikev2-proposal", "prf"): _HASH,
    ("config-ikev2-proposal", "group"): _GROUPS,
    # `revocation-check method1 [method2 [method3]]`: crl, none, ocsp (IOS PKI guide)
    ("ca-trustpoint", "revocation-check"): {"crl", "none", "ocsp"},
    ("ca-trustpoint", "hash"): {"md5", "sha1", "sha256", "sha384", "sha512"},
    ("config-ikev2-profile", "authentication"): {"local", "remote", "pre-share", "rsa-sig",
                                                 "ecdsa-sig", "eap"},
}
SECOND: dict[tuple[str, str], set[str]] = {
    ("config", "crypto"): {"ikev2", "ipsec", "isakmp", "pki", "key", "map", "logging"},
    ("config-if", "tunnel"): {"source", "destination", "mode", "protection", "key",
                              "path-mtu-discovery", "vrf"},
    ("config-router", "bgp"): {"router-id", "log-neighbor-changes", "bestpath", "graceful-restart",
                               "default"},
}
_SINGLE = ("ip address", "tunnel source", "tunnel destination", "tunnel mode",
           "tunnel protection", "description", "hostname", "bgp router-id",
           "set transform-set", "set ikev2-profile", "set pfs", "mtu", "ip mtu",
           "ip tcp adjust-mss", "identity local", "keyring local", "dpd", "lifetime",
           "address", "encryption", "integrity", "prf", "group",
           "proposal", "mode", "interval", "enrollment", "fqdn", "subject-name",
           "revocation-check", "pki trustpoint", "eckeypair", "rsakeypair", "hash",
           "zone-member security", "service-policy type inspect")
_ACTIONS = ("inspect", "pass", "drop")  # an inspect policy-map class takes one of them


_PER_DIRECTION = {"route-map", "prefix-list", "filter-list", "distribute-list"}
# `no` forms IOS keeps in the running config (it shows the non-default setting)
STORED_NO = {"no bgp default ipv4-unicast", "no ip domain lookup", "no ip http server",
             "no ip http secure-server", "no service pad", "no auto-summary"}


def starter(mode: str, line: str) -> str | None:
    """The sub-mode `line` enters from `mode`, if it opens one."""
    for pattern, new_mode in STARTERS.get(mode, []):
        if re.match(pattern, line):
            return new_mode
    return None


def error_token(mode: str, words: list[str]) -> int | None:
    """Index of the first word IOS would put its caret under, or None if valid."""
    if mode in sim_zbf.MODES:
        return sim_zbf.error_token(mode, words)
    if words[0] not in KEYWORDS.get(mode, set()):
        return 0
    allowed = VALUES.get((mode, words[0]))
    if allowed is not None:
        for index, word in enumerate(words[1:], start=1):
            if word not in allowed:
                return index
    second = SECOND.get((mode, words[0]))
    if second is not None and len(words) > 1 and words[1] not in second:
        return 1
    return None


def incomplete(mode: str, words: list[str]) -> bool:
    if mode in sim_zbf.MODES:
        return sim_zbf.incomplete(mode, words)
    if (mode, words[0]) in VALUES or (mode, words[0]) in SECOND:
        return len(words) < 2
    return words[0] == "crypto" and len(words) < 4


def single_key(line: str) -> str | None:
    """The part of a single-valued command that a new value replaces (`tunnel source`; a
    static route's prefix, mask and next hop; a BGP `network`'s prefix and mask).

    >>> single_key("ip route 10.0.0.0 255.0.0.0 Gi1 192.0.2.1 254 name x")
    'ip route 10.0.0.0 255.0.0.0 Gi1 192.0.2.1'
    """
    words = line.split()
    if not words:
        return None
    if words[:2] == ["ip", "route"]:
        return _route_key(words)
    if words[0] == "network" and words[2:3] == ["mask"] and len(words) >= 4:
        return " ".join(words[:4])
    if words[0] == "neighbor" and len(words) >= 4 and words[2] in _PER_DIRECTION:
        return " ".join([*words[:3], words[-1]])  # `route-map X in` and `... out` coexist
    if words[0] in _ACTIONS:
        return "<action>"
    if words[0] in ("neighbor", "pre-shared-key") and len(words) >= 3:
        return " ".join(words[:3] if words[0] == "neighbor" or words[1] in ("local", "remote")
                        else words[:1])
    for key in _SINGLE:
        if line == key or line.startswith(key + " "):
            return key
    return None


def _route_key(words: list[str]) -> str:
    """IOS keys a static route by VRF, prefix, mask and next hop (interface and/or
    address): a route with the same key replaces the first, distance and name too."""
    head = 4 if words[2:3] == ["vrf"] else 2
    key = words[:head + 2]
    for word in words[head + 2:head + 4]:
        if word.isdigit() or word in _ROUTE_OPTIONS:
            break
        key.append(word)
        if re.fullmatch(r"[\d.]+", word):
            break
    return " ".join(key)


_ROUTE_OPTIONS = {"name", "tag", "permanent", "track", "global", "dhcp", "multicast"}


def family(line: str) -> str:
    """An address-family header as IOS shows it (`ipv4 unicast` is shown `ipv4`).

    >>> family("address-family ipv4 unicast vrf C")
    'address-family ipv4 vrf C'
    """
    words = line.split()
    if words[:3] == ["address-family", "ipv4", "unicast"]:
        words = words[:2] + words[3:]
    return " ".join(words)
