"""Regenerate src/rdslink/data/aws_managed_policies.json and sam_managed_policy_map.json from moto's copy of the AWS managed policies.

We bundle only the policies that commonly appear on Lambda execution roles, RDS Proxy roles and rotation roles,
so `rdslink check` can evaluate ManagedPolicyArns offline. Run: python scripts/update_managed_policies.py
"""

import json
import pathlib

from moto.iam.aws_managed_policies import aws_managed_policies_data

WANTED = [
    "AWSLambdaVPCAccessExecutionRole", "AWSLambdaBasicExecutionRole", "AWSLambdaENIManagementAccess",
    "AWSLambdaRole", "AWSXrayWriteOnlyAccess", "AWSXRayDaemonWriteAccess", "AdministratorAccess",
    "PowerUserAccess", "AmazonRDSDataFullAccess", "SecretsManagerReadWrite", "AmazonRDSEnhancedMonitoringRole",
    "AWSLambdaExecute", "AWSLambda_FullAccess", "AmazonVPCFullAccess", "AmazonEC2FullAccess",
    "AmazonRDSFullAccess", "AWSLambdaMSKExecutionRole", "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaKinesisExecutionRole", "AWSLambdaDynamoDBExecutionRole",
    "CloudWatchLambdaInsightsExecutionRolePolicy", "AmazonSSMReadOnlyAccess", "AmazonS3ReadOnlyAccess",
    "CloudWatchLogsFullAccess", "AmazonDynamoDBFullAccess", "AmazonSQSFullAccess", "AmazonSNSFullAccess",
    "AmazonS3FullAccess",
]


def main() -> None:
    data = json.loads(aws_managed_policies_data)
    out = {}
    for name in WANTED:
        v = data[name]
        arn = "arn:aws:iam::aws:policy" + (v.get("Path") or "/") + name
        out[arn] = v["Document"]
    data_dir = pathlib.Path(__file__).resolve().parents[1] / "src/rdslink/data"
    target = data_dir / "aws_managed_policies.json"
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(out)} policies to {target}")
    # SAM's `Policies: [AWSLambdaVPCAccessExecutionRole]` names a managed policy by name; the translator needs
    # the name -> ARN map that `sam validate` downloads. We supply it from the same offline copy.
    names = {
        name: "arn:aws:iam::aws:policy" + (v.get("Path") or "/") + name for name, v in sorted(data.items())
    }
    sam_map = data_dir / "sam_managed_policy_map.json"
    sam_map.write_text(json.dumps(names, indent=0, sort_keys=True) + "\n")
    print(f"wrote {len(names)} managed-policy names to {sam_map}")


if __name__ == "__main__":
    main()
