"""Typed inventory of AWS objects (see ARCHITECTURE.md, layer "model")."""

from .inventory import Inventory, SourceIssue, parameter_group_max_connections, parse_max_connections
from .objects import (
    DBCluster,
    DBInstance,
    DBParameterGroup,
    DBProxy,
    DBProxyEndpoint,
    DBSubnetGroup,
    Instance,
    InternetGateway,
    KmsKey,
    LambdaFunction,
    ManagedPolicy,
    NatGateway,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    PolicyDocument,
    ProxyAuth,
    Role,
    Route,
    RouteTable,
    Secret,
    SecurityGroup,
    SecurityGroupRule,
    Statement,
    Subnet,
    TransitGateway,
    TransitGatewayPeeringAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    TransitGatewayVpcAttachment,
    Vpc,
    VpcConfig,
    VpcEndpoint,
    VpcPeeringConnection,
)
from .values import ALL_PORTS, EPHEMERAL_PORTS, PortRange, Provenance, Unresolved

__all__ = [
    "ALL_PORTS", "EPHEMERAL_PORTS", "DBCluster", "DBInstance", "DBParameterGroup", "parameter_group_max_connections", "parse_max_connections", "DBProxy", "DBProxyEndpoint", "DBSubnetGroup",
    "InternetGateway", "Inventory", "KmsKey", "LambdaFunction", "ManagedPolicy", "NatGateway", "NetworkAcl",
    "NetworkAclEntry", "PolicyDocument", "PortRange", "Provenance", "ProxyAuth", "Role", "Route", "RouteTable",
    "Secret", "SecurityGroup", "SecurityGroupRule", "SourceIssue", "Statement", "Subnet", "Unresolved", "Vpc",
    "VpcConfig", "VpcEndpoint", "VpcPeeringConnection", "Instance", "NetworkInterface", "TransitGateway",
    "TransitGatewayPeeringAttachment", "TransitGatewayRoute", "TransitGatewayRouteTable", "TransitGatewayVpcAttachment",
]
