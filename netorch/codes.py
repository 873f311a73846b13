"""Every finding code netorch reports: what it means and how to fix it.

One entry per code; `docs/findings.md` is generated from this table
(`python -m netorch.codes > docs/findings.md`, kept current by
tests/output/test_finding_codes.py, which also fails when a code used in netorch/ is
not here). SARIF's `helpUri` of each rule points at the code's section of that page.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import metadata

SCHEMA_FAMILY = "schema"  # schema-KIND: KIND is the validator's error type


@dataclass(frozen=True)
class Code:
    code: str
    stage: str  # where it is found: yaml, schema, check, plan, allocations, rehearse, validate
    meaning: str
    fix: str


def _c(code: str, stage: str, meaning: str, fix: str) -> Code:
    return Code(code, stage, meaning, fix)


_YAML = (
    _c("io", "yaml", "A file or folder of the inventory cannot be read (missing, not a "
       "regular file, too large, unreadable, or a link that leaves the inventory).",
       "Make it a readable regular file inside the inventory folder."),
    _c("yaml-syntax", "yaml", "The file is not valid YAML.",
       "Fix the syntax at the line and column given (a missing `]`, `:` or quote)."),
    _c("yaml-tab", "yaml", "A tab is used for indentation; YAML allows only spaces.",
       "Indent with spaces."),
    _c("yaml-encoding", "yaml", "The file is not UTF-8 text.", "Save it as UTF-8."),
    _c("yaml-character", "yaml", "The file holds a character YAML does not allow "
       "(a control character, for instance).", "Remove the character."),
    _c("yaml-empty", "yaml", "The file is empty or holds only comments.",
       "Write the site (or fabric) into it, or remove the file."),
    _c("yaml-multi-document", "yaml", "The file holds more than one YAML document (`---`).",
       "One document per file: one site per site file."),
    _c("yaml-duplicate-key", "yaml", "A key appears twice in one mapping; YAML readers "
       "would silently keep one of them.", "Keep one of the two keys."),
    _c("yaml-key", "yaml", "A mapping key is not a plain scalar (a list or a mapping).",
       "Use a plain name as the key."),
    _c("yaml-merge", "yaml", "A `<<` merge key does not merge a mapping.",
       "Merge an anchored mapping (`<<: *defaults`) or a list of them."),
    _c("yaml-recursive-alias", "yaml", "An alias refers to its own anchor: recursive data.",
       "Point the alias at another anchor."),
    _c("yaml-alias-bomb", "yaml", "Aliases expand the file to too many values "
       "(a \"billion laughs\" file).", "Write the values out; use fewer nested aliases."),
    _c("yaml-not-mapping", "yaml", "A file's top level is not a mapping (a list or a "
       "scalar).", "An inventory or fabric file holds `fabric:` (and `sites:`); a site "
                   "file holds one site's keys."),
    _c("invalid", "yaml", "The file is not an inventory at all.",
       "Give an inventory folder (`fabric.yaml` + `sites/`) or one inventory file."),
    _c("no-sites", "yaml", "The inventory has no site.",
       "Add one YAML file per site in `sites/`."),
    _c("site-file-name", "check", "A site file's name does not match the site it holds, "
       "or only looks like a YAML file name (`x.YAML`, `x.yaml `): it would not be read or "
       "would hide which agency owns it.", "Name the file `SITE.yaml` after its site."),
)

_SCHEMA = (
    _c(SCHEMA_FAMILY, "schema", "`schema-KIND`: a value does not fit the inventory schema "
       "(`schema-missing`, `schema-extra-forbidden` for an unknown key, `schema-int-type`, "
       "`schema-literal-error`, an address or name of the wrong form...). KIND is the "
       "validator's error type; the message names the field and what it expects. A site "
       "with such an error is left out of the other checks, which still run on the other "
       "sites.", "Change the value as the message says; `netorch schema` prints the "
                 "schema, and editors check it as you type."),
)

_IDENTITY = (
    _c("duplicate-site-name", "check", "Two sites have the same name.",
       "Rename one: names are unique across the fabric."),
    _c("duplicate-site-id", "check", "Two sites have the same id (their ASNs and "
       "addresses would collide).", "Give the new site an unused id; never reuse one."),
    _c("duplicate-device-name", "check", "Two devices have the same name.",
       "Rename one: device names are unique across the fabric."),
    _c("duplicate-mgmt", "check", "Two devices have the same management address.",
       "Correct the `mgmt:` of one of them."),
    _c("duplicate-public-address", "check", "Two links share a public (NAT) address.",
       "Correct the `public:` address of one of them."),
    _c("duplicate-underlay-address", "check", "Two links have the same address.",
       "Correct the `address:` of one of them."),
    _c("duplicate-device-underlay", "check", "A device has two links in one underlay.",
       "One link per underlay and device; add a second device for a second link."),
    _c("mgmt-is-other-device", "check", "A management address is another device's link "
       "or loopback address: deploy would reach the wrong router.",
       "Correct the `mgmt:` address."),
    _c("site-id-range", "check", "The site id is out of the range the fabric's addressing "
       "and ASN scheme allow.", "Use an id in the range the message gives."),
    _c("site-asn-range", "check", "`asn_base + id` is beyond the largest 4-byte ASN.",
       "Lower `routing.asn_base` or the id."),
    _c("site-asn-reserved", "check", "The site's ASN is a reserved one (RFC 5398, 6793, "
       "7300).", "Pick another id or `asn_base`."),
)

_ADDRESSING = (
    _c("lan-overlap", "check", "Two sites' LANs overlap: traffic for the overlap would "
       "go to either.", "Correct one of the LAN prefixes."),
    _c("lan-overlaps-pool", "check", "A LAN overlaps the tunnel or loopback pool.",
       "Move the LAN or the pool."),
    _c("lan-too-wide", "check", "A LAN is wider than `fabric.lan_min_prefixlen`: every "
       "peer would send the site its traffic for the whole range.",
       "Declare the site's real, narrower prefixes."),
    _c("pool-overlap", "check", "The tunnel and loopback pools overlap.",
       "Give them separate ranges."),
    _c("link-overlaps-pool", "check", "A link subnet, next hop or public address is "
       "inside a pool netorch allocates from.", "Move the pool or correct the link."),
    _c("next-hop-outside", "check", "A link's next hop is outside the link's subnet.",
       "Correct the next hop or the link's prefix length."),
    _c("next-hop-self", "check", "A link's next hop is the link's own address.",
       "Give the gateway's address."),
)

_STEERING = (
    _c("link-in-lan", "check", "A tunnel endpoint is inside another site's LAN: the route "
       "to it would pull that LAN's traffic out of the tunnels.",
       "Use an underlay address outside every LAN, or correct the LAN."),
    _c("link-in-own-lan", "check", "A tunnel endpoint is inside its own site's LAN: peers "
       "reach it by a /32 over the underlay.", "Keep that route, or move the endpoint."),
    _c("private-in-lan", "check", "A link's address behind NAT is inside a LAN: the "
       "device cannot reach that part of the LAN.", "Correct the LAN or the link address."),
    _c("lan-holds-address", "check", "A LAN holds another device's tunnel endpoint or "
       "loopback: every peer would route it into the tunnels.",
       "Narrow the LAN or move the address."),
    _c("lan-holds-mgmt", "check", "A LAN holds another device's management address: "
       "deploying to it goes through that site.",
       "Expected only when management really goes through that site."),
    _c("lan-special-range", "check", "A LAN overlaps a special range (loopback, "
       "link-local, multicast, documentation...) no site may route.",
       "Use the site's real prefix."),
    _c("link-special-address", "check", "A tunnel endpoint is a special address "
       "(loopback, multicast, broadcast...).", "Use the link's real address."),
)

_TOPOLOGY = (
    _c("no-hubs", "check", "A hub-and-spoke fabric names no hub.",
       "Add `hubs: [SITE, ...]` to `fabric.topology`."),
    _c("hubs-ignored", "check", "A full-mesh fabric lists hubs; they are ignored.",
       "Remove `hubs:`, or use `hub-and-spoke` or `regional`."),
    _c("unknown-hub", "check", "A hub is not the name of a site.",
       "Correct the hub's name (the message suggests the nearest)."),
    _c("duplicate-hub", "check", "A hub is listed twice.", "List it once."),
    _c("unknown-underlay", "check", "A link names an underlay the fabric does not declare.",
       "Correct the link's `underlay:` or declare it in `fabric.underlays`."),
    _c("unknown-platform", "check", "A device's platform is not one netorch knows.",
       "Use one of the platforms the message lists."),
    _c("no-common-underlay", "check", "A site shares no underlay with any site it must "
       "reach, so it gets no tunnel.", "Give it a link in an underlay its peers have, or "
                                         "set `cross_underlay: true`."),
    _c("isolated-site", "check", "The topology gives a site no peer (the only site of its "
       "region, and no hubs).", "Add hubs, or put the site in a region with others."),
    _c("interface-name", "check", "A link's interface is not named the platform's way.",
       "Use the platform's own naming, as the message shows."),
    _c("device-option", "check", "A device (or link) has a brownfield setting its "
       "platform has no use for.", "Remove the setting."),
    _c("shared-asn", "check", "Several devices join BGP processes with the same ASN: "
       "routes between them are dropped as AS-path loops.",
       "Join an existing BGP process only where its ASN is unique in the fabric."),
)

_CRYPTO = (
    _c("weak-crypto", "check", "An algorithm, group, IKE version or lifetime is weaker "
       "than NCSC / RFC 8247 guidance.", "Use the algorithms the message suggests, or a "
                                         "named profile (`ncsc-prime`, `cnsa`)."),
    _c("missing-integrity", "check", "A non-AEAD cipher has no integrity algorithm.",
       "Add `integrity: [sha256]`, or use an AEAD cipher (`aes128gcm`)."),
    _c("custom-profile-incomplete", "check", "Profile `custom` lacks its `ike:` or `esp:` "
       "section.", "Add the section."),
    _c("profile-not-custom", "check", "`ike:` or `esp:` is given with a named profile, "
       "which fixes its algorithms.", "Remove the section, or use `profile: custom`."),
    _c("psk-with-ncsc-profile", "check", "A named profile with pre-shared keys: NCSC "
       "recommends certificates.", "Use `auth: certificate`."),
)

_PKI = (
    _c("certificate-missing", "check", "A device of a certificate fabric with a PKI folder "
       "has no certificate (`pki/certs/DEVICE.crt`): its tunnels cannot authenticate.",
       "Run `netorch pki issue INVENTORY`. With an enterprise (imported) CA, which `pki "
       "issue` refuses, have that CA issue it and place it there: `netorch pki request` "
       "writes the CSR of a key netorch derives; a device that makes its own key gives its "
       "CSR."),
    _c("certificate-unsigned", "check", "A device whose key is made on the device (IOS-XE, "
       "Junos) has no certificate yet: its configuration renders with the CA alone, so it "
       "can enrol, but its tunnels cannot authenticate until its request is signed.",
       "Make the key and request on the device, then `netorch pki sign INVENTORY DEVICE "
       "CSR` (docs/pki.md)."),
    _c("certificate-expired", "check", "A device certificate, or the fabric CA, has "
       "expired: peers refuse it (an expired CA fails every device).",
       "Renew it with `netorch pki issue INVENTORY`; an expired CA must be replaced "
       "(docs/pki.md)."),
    _c("certificate-revoked", "check", "A device's certificate is on the fabric's CRL "
       "(`pki/crl.pem`): peers that hold the CRL refuse it.",
       "Issue a new one: `netorch pki issue` (a derived key moves to its next generation), "
       "or `netorch pki sign` with a new request for a key made on the device."),
    _c("certificate-renew-due", "check", "A device certificate or the fabric CA expires "
       "within 30 days. A warning: `validate --strict` fails on it.",
       "Run `netorch pki issue INVENTORY` (it renews every certificate due), then deploy."),
    _c("crl-renew-due", "check", "The fabric's CRL (`pki/crl.pem`) passes its next update "
       "within 30 days, or has: a device then stops checking revocation (or, with strict "
       "revocation, refuses every peer).",
       "Run `netorch pki issue INVENTORY` (it re-signs a CRL that is due), then deploy."),
    _c("certificate-mismatch", "check", "A certificate does not fit: its subject CN or SAN "
       "is not the device's IKE identity, it is not signed by the fabric CA, its key is not "
       "the one the crypto profile needs, or the CRL is not the CA's.",
       "Re-issue it with `netorch pki issue` (or sign the device's request with `netorch pki "
       "sign`); never edit the PKI folder by hand."),
    _c("ca-expires-first", "check", "The fabric CA expires before a device certificate: "
       "the device stops authenticating when the CA does, not when its certificate says.",
       "Issue the certificate for fewer days (`netorch pki issue --days N`), or replace the "
       "CA before it expires (docs/pki.md)."),
    _c("certificate-unrecorded", "check", "A device certificate signed by the fabric CA "
       "netorch made (`pki init`) is not in `pki/index.json`'s records of that device: "
       "netorch revokes and renews by those records, so it could not revoke this one. Not "
       "checked for an imported (enterprise) CA, whose records are the enterprise's.",
       "`netorch pki revoke INVENTORY DEVICE` revokes it (it also revokes the certificate "
       "on disk); or remove the certificate and run `netorch pki issue` (`pki sign` for a "
       "key made on the device)."),
    _c("certificate-orphaned", "check", "A warning: `pki/index.json` lists a certificate "
       "in force (not revoked, not expired) for a device that is no longer in the "
       "inventory: whoever holds its key still authenticates to the fabric until it "
       "expires.", "`netorch pki revoke INVENTORY DEVICE` revokes it (the device need only "
       "be in the ledger), then deploy pushes the CRL."),
    _c("identity-too-long", "check", "A device's IKE identity (`DEVICE.FABRIC`, its "
       "certificate's subject CN and SAN) is longer than the 64 characters a subject CN may "
       "hold (RFC 5280, ub-common-name), or has a DNS label longer than 63 (RFC 1035): no "
       "certificate can name the device. Checked on certificate fabrics, with or without a "
       "PKI folder.", "Use a shorter device or fabric name."),
    _c("pki-index-mismatch", "check", "The PKI folder's `index.json` names another fabric "
       "than the inventory's, or a CA serial other than `ca.crt`'s: its records are not "
       "this CA's, so revocation and renewal would go by the wrong ones.",
       "Restore the PKI folder from version control (`netorch pki` writes `ca.crt` and "
       "`index.json` together); a fabric needs its own CA (`netorch pki init`)."),
    _c("pki-unreadable", "check", "A file of the fabric's PKI folder (the CA certificate, a "
       "device certificate, the CRL or index.json) cannot be read or parsed: not a regular "
       "file, a link out of the inventory, unreadable, or not PEM.",
       "Restore the file from version control; the PKI folder is written by `netorch pki` "
       "only."),
    _c("pki-out-of-band", "validate", "A note: the fabric authenticates with certificates "
       "but has no PKI folder, so its certificates are managed out of band and validate "
       "cannot check them (shown once there are no errors).",
       "Nothing, if certificates are enrolled by other means; `netorch pki init INVENTORY` "
       "creates a fabric CA netorch manages."),
)

_POLICY = (
    _c("policy-flat", "validate", "A note: the fabric has no `policy:`, so it is flat: every "
       "site reaches every other site, across organisations (shown once there are no "
       "errors).",
       "Nothing, if that is intended; otherwise add `fabric.policy` (docs/policy.md)."),
    _c("policy-unknown-selector", "check", "A policy rule's `from` or `to` names a zone, an "
       "organisation or a site that no site has: the rule would allow nothing to or from it.",
       "Correct the name (the message suggests the nearest; organisation names are matched "
       "exactly, case included), or add the site."),
    _c("policy-shadowed", "check", "A policy rule allows nothing new: another rule, "
       "`same_organisation: allow` or `default: allow` already allows every flow it "
       "allows (the same or more sites on each side, the same or more ports).",
       "Remove the rule, or narrow the rule the message names, if that one is too wide."),
    _c("policy-any-to-any", "check", "Under `default: deny`, a policy rule lets every site "
       "open flows to every other site: the fabric is flat for its services.",
       "Name the zones, organisations or sites that need the services."),
    _c("policy-allows-nothing", "check", "A policy rule's `from` and `to` both pick only "
       "one and the same site: flows inside a site do not cross the fabric, so the rule "
       "allows nothing.", "Correct the selector that should name another site, or remove "
                          "the rule."),
)

_PLAN = (
    _c("pool-exhausted", "plan", "A pool has no room for the addresses the fabric needs.",
       "Use a larger pool (keep its start: addresses already allocated stay)."),
    _c("pool-quarantine-reuse", "plan", "A pool has no free address outside quarantine: "
       "an address released recently goes to another site.",
       "Use a larger pool, or accept the early reuse."),
    _c("no-common-proposal", "plan", "Both ends of a tunnel share no crypto proposal "
       "(their platforms lack an algorithm the profile asks for).",
       "Use a profile both platforms support."),
    _c("too-many-underlays", "plan", "The fabric has more than four underlays: BGP "
       "local-preference bands (200, 150, 100, 50) rank at most four, each with room for "
       "the hub order.", "Join the least preferred underlays, or leave them out."),
    _c("too-many-hub-devices", "plan", "The hubs have more devices than one underlay's "
       "local-preference band can order.", "Use fewer hubs or hub devices."),
    _c("asymmetric-hub-path", "plan", "Between two sites, the way there crosses another "
       "hub device than the way back: a stateful hub drops the half-seen flows.",
       "Make both sites prefer the same hub (the planner's hub order; see the message)."),
    _c("hub-path-tie", "plan", "A site has two equally good routes through different hubs: "
       "BGP breaks the tie by age, so the path can differ per direction.",
       "Give the hubs a distinct preference."),
    _c("allocations", "allocations", "The allocation lock file is damaged, truncated, "
       "edited by hand or of another fabric.",
       "Restore it from version control; `netorch plan` rewrites it."),
    _c("allocations-missing", "allocations", "The inventory has no allocation file, so "
       "no address is fixed yet.", "Run `netorch plan INVENTORY --allocate` and commit "
                                   "the file (restore it if it was lost)."),
    _c("allocations-stale", "allocations", "The allocation file lacks addresses the "
       "inventory needs (sites or links changed).",
       "Run `netorch plan INVENTORY` and commit the updated file."),
    _c("checks-skipped", "validate", "A note: some checks could not run because of the "
       "errors above (a site that does not load, a broken fabric file); it names them.",
       "Fix the errors; the skipped checks then run."),
    _c("policy-drift", "plan", "Found by `netorch report`: between two zones, the plan lets "
       "some site pairs open other services than the segmentation policy allows them, more or "
       "fewer. The report reads what the plan lets through from its route filters (both ways) "
       "and the firewall rules of each device on the way, and names an example pair and why.",
       "Re-plan with this netorch (`netorch plan`) and re-render; a plan edited or built by "
       "hand must be regenerated. If it persists, report it with the example: it is a netorch "
       "bug."),
)

_REHEARSE = (
    _c("running-folder", "rehearse", "`--running` is not a folder of DEVICE.cfg files.",
       "Give the folder of running configs."),
    _c("running-device", "rehearse", "A running config is named after no device.",
       "Name each file after its device (`DEVICE.cfg`)."),
    _c("running-platform", "rehearse", "netorch has no simulator for that device's "
       "platform.", "Rehearse the devices of simulated platforms only (`--limit`)."),
    _c("running-read", "rehearse", "A running config cannot be read, or is not UTF-8.",
       "Save the device's output as a UTF-8 text file."),
    _c("running-parse", "rehearse", "The simulator cannot load a line of the running "
       "config, so the rehearsal would prove nothing.",
       "Check the file is the device's own output; report the line if it is."),
)

CODES: dict[str, Code] = {c.code: c for group in (
    _YAML, _SCHEMA, _IDENTITY, _ADDRESSING, _STEERING, _TOPOLOGY, _CRYPTO, _PKI, _POLICY, _PLAN,
    _REHEARSE)
    for c in group}


def entry(code: str) -> Code | None:
    """The registry entry of `code` (every `schema-KIND` shares one)."""
    if code.startswith(SCHEMA_FAMILY + "-"):
        return CODES[SCHEMA_FAMILY]
    return CODES.get(code)


def project_url(label: str, default: str) -> str:
    """One of pyproject's `[project.urls]` (`Repository`, `Findings`), as installed."""
    try:
        urls = metadata.metadata("netorch").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:  # run from a source tree never installed
        urls = []
    found = [u.split(",", 1)[1].strip() for u in urls if u.split(",", 1)[0] == label]
    return found[0] if found else default


def help_uri(code: str) -> str:
    """The section of docs/findings.md that explains `code`."""
    known = entry(code)
    return f"{project_url('Findings', 'docs/findings.md')}#{known.code if known else code}"


STAGES = (("yaml", "Reading the files"), ("schema", "The schema"),
          ("check", "Checks across the inventory"), ("plan", "Planning"),
          ("allocations", "The allocation lock file"), ("validate", "Notes"),
          ("rehearse", "Rehearsal"))


def markdown() -> str:
    """docs/findings.md: every code, by stage, with its meaning and fix."""
    lines = ["# Finding codes", "",
             "<!-- Generated by `python -m netorch.codes > docs/findings.md`: edit "
             "netorch/codes.py, not this file. -->", "",
             "Every finding `netorch validate` (and `plan`, `rehearse`) reports has a code: "
             "in `--format json`, as the SARIF rule id, and as the JUnit failure type. Each "
             "section below is the SARIF rule's `helpUri`.", ""]
    for stage, title in STAGES:
        lines += [f"## {title}", ""]
        for code in sorted((c for c in CODES.values() if c.stage == stage),
                           key=lambda c: c.code):
            lines += [f"### {code.code}", "", code.meaning, "", f"**Fix:** {code.fix}", ""]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - the doc's generator, tested via markdown()
    sys.stdout.write(markdown())
