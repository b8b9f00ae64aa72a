"""The ``AWS::SecretsManager-2020-07-23`` (and ``-2024-09-16``) transform, modelled offline.

CloudFormation turns each ``AWS::SecretsManager::RotationSchedule`` with ``HostedRotationLambda`` into a nested
Serverless Application Repository stack holding the rotation Lambda. Per the AWS docs
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-aws-secretsmanager.html and
``AWS::SecretsManager::RotationSchedule HostedRotationLambda``), that function is attached to
``VpcSubnetIds``/``VpcSecurityGroupIds`` (comma-separated strings), its role can manage ENIs and rotate the
secret, and it calls the Secrets Manager API at run time (``SECRETS_MANAGER_ENDPOINT``). We add an equivalent
``AWS::Lambda::Function`` + ``AWS::IAM::Role`` named after the RotationSchedule's logical id.
"""

from __future__ import annotations

from typing import Any

ROTATION_SUFFIX = "RotationLambda"


def apply_secrets_manager_transform(template: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``template`` with a rotation function and role per hosted rotation schedule.

    The function carries ``Metadata: {"rdslink:RotatesSecret": <SecretId>}`` so the model knows it reads that
    secret (and the database it is attached to) at run time.
    """
    out = dict(template)
    resources = dict(template.get("Resources") or {})
    for logical, res in list(resources.items()):
        if not isinstance(res, dict) or res.get("Type") != "AWS::SecretsManager::RotationSchedule":
            continue
        props = res.get("Properties") or {}
        hosted = props.get("HostedRotationLambda") if isinstance(props, dict) else None
        if not isinstance(hosted, dict):
            continue
        fn_id = f"{logical}{ROTATION_SUFFIX}"
        role_id = f"{logical}{ROTATION_SUFFIX}Role"
        fn_props: dict[str, Any] = {
            "Role": {"Fn::GetAtt": [role_id, "Arn"]},
            "Runtime": hosted.get("Runtime", "python3.12"),
            "Handler": "lambda_function.lambda_handler",
            "Environment": {
                "Variables": {
                    "SECRETS_MANAGER_ENDPOINT": {"Fn::Sub": "https://secretsmanager.${AWS::Region}.${AWS::URLSuffix}"}
                }
            },
        }
        if "RotationLambdaName" in hosted:
            fn_props["FunctionName"] = hosted["RotationLambdaName"]
        if "VpcSubnetIds" in hosted or "VpcSecurityGroupIds" in hosted:
            fn_props["VpcConfig"] = {
                "SubnetIds": {"Fn::Split": [",", hosted.get("VpcSubnetIds", "")]},
                "SecurityGroupIds": {"Fn::Split": [",", hosted.get("VpcSecurityGroupIds", "")]},
            }
        fn: dict[str, Any] = {
            "Type": "AWS::Lambda::Function",
            "Properties": fn_props,
            "Metadata": {"rdslink:RotatesSecret": props.get("SecretId"), "rdslink:GeneratedBy": logical},
        }
        role: dict[str, Any] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                },
                "ManagedPolicyArns": [
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
                ],
                "Policies": [
                    {
                        "PolicyName": "SecretsManagerRotation",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": [
                                        "secretsmanager:DescribeSecret",
                                        "secretsmanager:GetSecretValue",
                                        "secretsmanager:PutSecretValue",
                                        "secretsmanager:UpdateSecretVersionStage",
                                    ],
                                    "Resource": props.get("SecretId", "*"),
                                },
                                {"Effect": "Allow", "Action": ["secretsmanager:GetRandomPassword"], "Resource": "*"},
                            ],
                        },
                    }
                ],
            },
            "Metadata": {"rdslink:GeneratedBy": logical},
        }
        for node in (fn, role):
            mark = getattr(res, "start_mark", None)
            if mark is not None:
                node["Metadata"]["rdslink:Line"] = mark.line + 1
        condition = res.get("Condition")
        if condition:
            fn["Condition"] = condition
            role["Condition"] = condition
        resources[fn_id] = fn
        resources[role_id] = role
    out["Resources"] = resources
    names = ("AWS::SecretsManager-2020-07-23", "AWS::SecretsManager-2024-09-16")
    transforms = out.get("Transform")
    if isinstance(transforms, list):
        out["Transform"] = [t for t in transforms if t not in names]
    elif transforms in names:
        out.pop("Transform", None)
    return out
