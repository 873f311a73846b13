"""Just enough IOS-XE grammar to accept what netorch renders and reject what IOS would.

Each config mode lists the first words it accepts; a few keywords also have their
second word or their values checked, so a misspelt algorithm is refused with the
caret at the right word, like the real parser.
"""

from __future__ import annotations

import re

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
        (r"^crypto ipsec transform-set \S+ \S.*$", "cfg-crypto-trans"),
        (r"^route-map \S+( (permit|deny))?( \d+)?$", "config-route-map"),
        (r"^ip access-list (standard|extended) \S+$", "config-acl"),
        (r"^bfd-template single-hop \S+$", "config-bfd"),
        (r"^line (vty|con|aux) .+$", "config-line"),
        (r"^archive$", "config-archive"),
        (r"^vrf definition \S+$", "config-vrf"),
    ],
    "config-router": [(r"^address-family ipv4( unicast)?$", "config-router-af")],
    "config-ikev2-keyring": [(r"^peer \S+$", "config-ikev2-keyring-peer")],
}

_GLOBAL = {
    "hostname", "interface", "router", "crypto", "ip", "ipv6", "route-map", "bfd-template",
    "archive", "line", "username", "service", "logging", "ntp", "snmp-server", "aaa",
    "banner", "boot", "license", "version", "vrf", "enable", "control-plane", "bfd",
    "access-list", "spanning-tree", "platform", "key", "track", "file", "no", "default",
    "redundancy", "multilink", "memory", "call-home", "diagnostic", "login", "event",
    "password",
}
KEYWORDS: dict[str, set[str]] = {
    "config": _GLOBAL,
    "config-if": {"ip", "ipv6", "description", "tunnel", "shutdown", "bfd", "mtu",
                  "negotiation", "load-interval", "bandwidth", "keepalive", "vrf", "cdp",
                  "speed", "duplex", "no", "delay", "media-type", "service-policy"},
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
                      "chain-validation", "usage", "no"},
    "ipsec-profile": {"set", "description", "no"},
    "cfg-crypto-trans": {"mode", "no"},
    "config-route-map": {"match", "set", "description", "continue", "no"},
    "config-acl": {"permit", "deny", "remark", "no"},
    "config-bfd": {"interval", "no"},
    "config-line": {"transport", "login", "exec-timeout", "privilege", "logging", "no",
                    "session-timeout", "access-class", "stopbits"},
    "config-archive": {"path", "maximum", "write-memory", "time-period", "no"},
    "config-vrf": {"rd", "address-family", "description", "no"},
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
           "revocation-check", "pki trustpoint")


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
    if (mode, words[0]) in VALUES or (mode, words[0]) in SECOND:
        return len(words) < 2
    return words[0] == "crypto" and len(words) < 4


def single_key(line: str) -> str | None:
    """The part of a single-valued command that a new value replaces (`tunnel source`)."""
    words = line.split()
    if words[0] == "neighbor" and len(words) >= 4 and words[2] in _PER_DIRECTION:
        return " ".join([*words[:3], words[-1]])  # `route-map X in` and `... out` coexist
    if words[0] in ("neighbor", "pre-shared-key") and len(words) >= 3:
        return " ".join(words[:3] if words[0] == "neighbor" or words[1] in ("local", "remote")
                        else words[:1])
    for key in _SINGLE:
        if line == key or line.startswith(key + " "):
            return key
    return None
