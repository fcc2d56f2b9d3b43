"""Teach cfn-lint the Tags of ELB v2 listeners and listener rules, where its schemas lack them.

CloudFormation added `Tags` to AWS::ElasticLoadBalancingV2::Listener and ::ListenerRule in 2026
(CloudFormation Template Reference; cloudformation-coverage-roadmap #1460, #1526), after the resource
schemas older cfn-lint releases ship, and the library tags its listeners and rules
(lib/private/traffic-tags.ts). For each of the two types whose cfn-lint schema has no Tags, this
writes into DIR a copy of cfn-lint's own schema with the Tags property of its
AWS::ElasticLoadBalancingV2::LoadBalancer schema added, nothing else changed; pass DIR to
`cfn-lint --registry-schemas DIR`, which replaces a type's schema. Prints the types so taught (JSON).

Usage: python3 scripts/cfn-lint-listener-tags.py DIR
"""
import json
import os
import sys

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as schemas

TYPES = ["AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule"]


def main(out_dir: str) -> None:
    lb = schemas.get_resource_schema("us-east-1", "AWS::ElasticLoadBalancingV2::LoadBalancer").schema
    taught = []
    for type_name in TYPES:
        schema = json.loads(json.dumps(schemas.get_resource_schema("us-east-1", type_name).schema))
        if "Tags" in schema["properties"]:
            continue
        schema["properties"]["Tags"] = lb["properties"]["Tags"]
        schema.setdefault("definitions", {})["Tag"] = lb["definitions"]["Tag"]
        schema["tagging"] = dict(lb["tagging"], cloudFormationSystemTags=False)
        with open(os.path.join(out_dir, type_name.replace("::", "-") + ".json"), "w", encoding="utf-8") as f:
            json.dump(schema, f)
        taught.append(type_name)
    print(json.dumps(taught))


if __name__ == "__main__":
    main(sys.argv[1])
