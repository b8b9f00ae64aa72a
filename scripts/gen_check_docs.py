"""Write docs/checks/<id>.md for every check of the registry (rdslink.analysis.checks.registry).

Run: python scripts/gen_check_docs.py [--force]  (tests/unit/test_check_registry.py checks the pages against the
registry; without --force only missing pages are written, so hand-edited pages are kept).
Each page: what the check means, why the function times out (or fails), the fix, and the AWS documentation.
"""

from __future__ import annotations

from pathlib import Path

from rdslink.analysis.checks.registry import CHECKS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "checks"
VPC = "https://docs.aws.amazon.com/vpc/latest/userguide"
LAMBDA = "https://docs.aws.amazon.com/lambda/latest/dg"
RDS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide"
PEER = "https://docs.aws.amazon.com/vpc/latest/peering"
TGW = "https://docs.aws.amazon.com/vpc/latest/tgw"
PL = "https://docs.aws.amazon.com/vpc/latest/privatelink"
SG = f"{VPC}/vpc-security-groups.html"
NACL = f"{VPC}/vpc-network-acls.html"
RT = f"{VPC}/VPC_Route_Tables.html"
LVPC = f"{LAMBDA}/configuration-vpc.html"

# id -> (why it fails, fix, [sources]); what it means is the check's summary, declared with it
TEXT: dict[str, tuple[str, str, list[str]]] = {
    "RL001": ("Nothing can be analysed; rdslink exits 2 with the file, line and reason.",
              "Fix the file at the reported line (`cfn-lint` shows CloudFormation syntax errors too).",
              ["https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html"]),
    "RL002": ("It may not fail at all: rdslink cannot tell, so the pair is UNKNOWN instead of a guess.",
              "Pass the value (`--parameter NAME=VALUE`, `--bindings`; for Terraform `--var NAME=VALUE`, "
              "`--var-file`), add the template, Terraform configuration or describe data that defines the "
              "resource, or run with `--live`.",
              ["https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html"]),
    "RL003": ("Values it produces are unknown; hops depending on them are UNKNOWN.",
              "Make the nested template local (`TemplateURL` to a file next to the parent) or pass the values "
              "the construct would produce.", ["https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources.html"]),
    "RL004": ("The stack rolls back, so the function never gets its network configuration.",
              "Fix the reported property or reference; `cfn-lint` reports the same error.",
              ["https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html"]),
    "RL101": ("Its private address is unroutable from the "
              "Lambda service network: the TCP connect never completes and the function times out.",
              "Attach the function to private subnets of the database's VPC with a security group the DB admits "
              "(`aws lambda update-function-configuration --vpc-config SubnetIds=...,SecurityGroupIds=...`).",
              [LVPC]),
    "RL102": ("Nothing fails today; an outage of that "
              "AZ stops every invocation.", "Give the function private subnets in at least two AZs.", [LVPC]),
    "RL103": ("Lambda ENIs get "
              "no public IP, so internet-bound calls from that subnet (AWS APIs without an endpoint) are dropped "
              "at the internet gateway and time out.", "Use private subnets whose default route goes to a NAT "
              "gateway, or add VPC endpoints for the services called.", [LVPC, f"{VPC}/VPC_Internet_Gateway.html"]),
    "RL104": ("Lambda cannot create the function's ENI: deployment or update fails.",
              "Attach `arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole` to the role.",
              [f"{LAMBDA}/configuration-vpc.html#vpc-permissions"]),
    "RL105": ("The function subnet's route table has no route "
              "to the database's subnets: packets are dropped and the connect times out.", "Peer the VPCs (or "
              "attach both to a transit gateway) and route each VPC's CIDR to the other in every route table "
              "involved, both ways.", [f"{PEER}/what-is-vpc-peering.html", f"{TGW}/what-is-transit-gateway.html"]),
    "RL106": ("When Lambda needs a new ENI (scaling, "
              "a new subnet/security-group combination) creation fails: `EC2ThrottledException` / "
              "`ENILimitReachedException`.", "Add subnets or use larger ones.", [LVPC]),
    "RL201": ("Security groups drop what no rule allows, silently: the SYN gets no answer and the connect times "
              "out.", "Add an inbound rule on the DB port whose source is the function's security group "
              "(`aws ec2 authorize-security-group-ingress --group-id <db-sg> --protocol tcp --port 5432 "
              "--source-group <lambda-sg>`).", [SG]),
    "RL202": ("It works until "
              "a function subnet is not covered: connections from that subnet time out (INTERMITTENT when the "
              "CIDR misses only some subnets).", "Reference the function's security group instead of CIDRs.",
              [SG]),
    "RL203": ("Nothing times out; the "
              "port is exposed wherever a route exists (a security risk).", "Revoke the world-open rule and admit "
              "the function's security group.", [SG]),
    "RL204": ("The packet never leaves the ENI: the connect times out.", "Allow outbound tcp to the DB port "
              "(to the DB security group or its subnets).", [SG]),
    "RL205": ("The port "
              "that matters stays closed: the connect times out.", "Admit the database's port (its "
              "`Endpoint.Port`).", [SG, f"{RDS}/USER_ConnectToInstance.html"]),
    "RL206": ("The reference matches no packet, so the rule admits nothing: the connect times "
              "out.", "Over an active same-Region peering, reference the peer group; across a transit gateway or "
              "Regions, admit the peer subnets' CIDRs.", [f"{PEER}/vpc-peering-security-groups.html",
                                                          f"{TGW}/tgw-vpc-attachments.html"]),
    "RL207": ("The function can send nothing: every connect times out.", "Add an `egress` "
              "block (or an `aws_vpc_security_group_egress_rule`) allowing the DB port.",
              ["https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group"]),
    "RL301": ("NACLs are "
              "stateless and drop silently: the SYN never leaves the subnet.", "Add an outbound allow entry for "
              "the DB port to the DB subnets, numbered before any deny.", [NACL]),
    "RL302": ("The SYN is "
              "dropped at the DB subnet boundary: the connect times out.", "Add an inbound allow entry for the DB "
              "port from the function subnets, before any deny.", [NACL]),
    "RL303": ("The request arrives, the replies are dropped: the connect times out.",
              "Allow tcp 1024-65535 outbound from the DB subnets to the function subnets and inbound on the "
              "function subnets from the DB subnets.", [f"{VPC}/custom-network-acl.html#nacl-ephemeral-ports"]),
    "RL304": ("Without a route (or without the route back) packets or replies are dropped: the "
              "connect times out.", "Add the route to the peering connection or transit gateway in the route "
              "table of every subnet involved, in both VPCs.", [RT, f"{PEER}/vpc-peering-routing.html"]),
    "RL305": ("Routes to a non-active peering or attachment are "
              "blackholes: packets are dropped.", "Accept the peering (`aws ec2 accept-vpc-peering-connection`), "
              "attach the VPC, associate the attachment and propagate (or add a static route) in the TGW route "
              "table.", [f"{PEER}/accept-vpc-peering-connection.html", f"{TGW}/tgw-route-tables.html"]),
    "RL306": ("Connections whose source port falls in the denied share get "
              "no replies and time out; the others work: a random, intermittent timeout. rdslink gives the share.",
              "Move the deny after the ephemeral allow, or narrow it to the CIDRs it was meant for.",
              [f"{VPC}/custom-network-acl.html#nacl-ephemeral-ports", f"{LAMBDA}/foundation-networking.html"]),
    "RL307": ("Traffic from an AZ without an attachment subnet cannot reach the transit gateway: "
              "invocations on ENIs in that AZ time out (INTERMITTENT when other AZs work).", "Add a subnet in "
              "every used AZ to the attachment (`aws ec2 modify-transit-gateway-vpc-attachment --add-subnet-ids`).",
              [f"{TGW}/tgw-vpc-attachments.html", f"{TGW}/how-transit-gateways-work.html"]),
    "RL401": ("The Amazon DNS server does not answer: the DB endpoint name "
              "cannot be resolved and the driver fails or hangs.", "Enable it (`aws ec2 modify-vpc-attribute "
              "--enable-dns-support`).", [f"{VPC}/vpc-dns.html"]),
    "RL402": ("Its endpoint "
              "resolves to the public IP, so traffic takes the internet path (none from a private subnet) instead "
              "of the peering: the connect times out.", "Enable `AllowDnsResolutionFromRemoteVpc` on the DB VPC's "
              "side of the peering, or make the DB not publicly accessible.",
              [f"{PEER}/modify-peering-connections.html#vpc-peering-dns", f"{RDS}/USER_VPC.WorkingWithRDSInstanceinaVPC.html"]),
    "RL501": ("`GetSecretValue` never gets an answer: the function times out "
              "before it even connects to the database.", "Add a `com.amazonaws.<region>.secretsmanager` interface "
              "endpoint with private DNS in the function subnets, or a NAT gateway route.",
              [f"{PL}/create-interface-endpoint.html", "https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html"]),
    "RL502": ("The SDK still resolves the public service name to "
              "public IPs, unreachable from private subnets: the call times out.", "Enable `PrivateDnsEnabled` "
              "(the VPC needs DNS support and DNS hostnames).", [f"{PL}/privatelink-access-aws-services.html"]),
    "RL503": ("The HTTPS "
              "connection to the endpoint ENI is dropped: the call times out.", "Admit 443 from the function's "
              "security group on the endpoint's group.", [f"{PL}/create-interface-endpoint.html"]),
    "RL504": ("Traffic "
              "reaches the NAT gateway and stops: internet-bound calls time out.", "Put the NAT gateway in a public "
              "subnet (0.0.0.0/0 -> internet gateway).", [f"{VPC}/vpc-nat-gateway.html"]),
    "RL505": ("Nothing fails today; if its AZ "
              "fails, every function loses its way out.", "Create one NAT gateway per AZ and route each AZ's "
              "subnets to its own.", [f"{VPC}/vpc-nat-gateway.html"]),
    "RL506": ("The SDK call "
              "never gets an answer: the function times out (a warning when the use is only inferred from the "
              "role's permissions).", "Add an interface endpoint with private DNS for the service (gateway "
              "endpoint for S3/DynamoDB), or a NAT gateway route.", [f"{PL}/aws-services-privatelink-support.html",
                                                                      f"{LAMBDA}/configuration-vpc.html#vpc-internet"]),
    "RL507": ("Without the route the call "
              "goes nowhere (no NAT) and times out; with a denying policy it fails with AccessDenied.",
              "Associate the endpoint with the function subnets' route tables (`aws ec2 modify-vpc-endpoint "
              "--add-route-table-ids`), and allow the actions in its policy.", [f"{VPC}/gateway-endpoints.html",
                                                                                f"{VPC}/vpc-endpoints-s3.html"]),
    "RL601": ("Nothing times out by itself; the endpoint resolves to a "
              "public IP outside the VPC (and across peering without DNS resolution, see RL402).", "Set "
              "`PubliclyAccessible` to false.", [f"{RDS}/USER_VPC.WorkingWithRDSInstanceinaVPC.html"]),
    "RL602": ("Its endpoint does not accept "
              "connections.", "Start or repair the instance / cluster.", [f"{RDS}/accessing-monitoring.html"]),
    "RL603": ("Under load new connections are refused (too many connections).", "Put an RDS Proxy in front, or "
              "cap the function's reserved concurrency.", [f"{RDS}/rds-proxy.html"]),
    "RL604": ("VPC checks do "
              "not apply to the database; the call needs the HTTP endpoint enabled, IAM permissions, and from a "
              "VPC-attached function a path to the rds-data API (RL506).", "Enable `EnableHttpEndpoint`, grant "
              "`rds-data:ExecuteStatement` and `secretsmanager:GetSecretValue` on the secret.",
              [f"{RDS}/../AuroraUserGuide/data-api.html"]),
    "RL701": ("The connect to the proxy times "
              "out.", "Admit the DB port from the function's security group on the proxy's group.",
              [f"{RDS}/rds-proxy-setup.html"]),
    "RL702": ("The proxy cannot open its pooled "
              "connections: clients time out or get errors.", "Admit the DB port from the proxy's security "
              "group on the database's group.", [f"{RDS}/rds-proxy-setup.html"]),
    "RL703": ("The proxy rejects the token.", "Allow `rds-db:connect` on "
              "`arn:aws:rds-db:<region>:<account>:dbuser:prx-<id>/<user>`.", [f"{RDS}/rds-proxy-setup.html"]),
    "RL704": ("Clients that do not negotiate TLS are refused.", "Connect with TLS "
              "(`sslmode=verify-full` / `ssl={'ca': ...}`).", [f"{RDS}/rds-proxy.howitworks.html"]),
    "RL705": ("The proxy "
              "cannot log in to the database: every client connection fails.", "Allow "
              "`secretsmanager:GetSecretValue` on the secret (and `kms:Decrypt` on a customer managed key) in the "
              "proxy's role.", [f"{RDS}/rds-proxy-setup.html"]),
}


def page(cid: str) -> str:
    c = CHECKS[cid]
    meaning = c.summary
    why, fix, sources = TEXT[cid]
    src = "\n".join(f"- <{s}>" for s in sources)
    return (f"# {c.id}: {c.title}\n\nFamily: `{c.family}` (src/rdslink/analysis/checks/{c.family}.py) - default severity: "
            f"{c.severity.value}\n\n## What it means\n\n{meaning}\n\n## Why it times out\n\n{why}\n\n## Fix\n\n{fix}\n\n"
            f"## AWS sources\n\n{src}\n")


def main(force: bool = False) -> None:
    """Write the missing pages (every page with ``--force``; hand-written pages such as RL207's would be lost)."""
    DOCS.mkdir(parents=True, exist_ok=True)
    for cid in CHECKS:
        path = DOCS / f"{cid}.md"
        if force or not path.exists():
            path.write_text(page(cid))


if __name__ == "__main__":
    import sys

    main(force="--force" in sys.argv[1:])
