"""Static checks of the Terraform code: conventions and security properties.

The HCL is parsed with python-hcl2; nothing talks to AWS or a provider registry. These
tests state the promises the modules make (encryption, no public access, no open
ingress, TLS, backups, deletion protection, pinned versions) so that a change breaking
one fails here, next to checkov's generic policies.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.unit

MODULE_NAMES = ["network", "msk", "rds", "staging"]
REUSABLE_MODULES = ["network", "msk", "rds"]
STANDARD_FILES = ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"]
OPEN_CIDRS = ("0.0.0.0/0", "::/0")


def block(body: dict[str, Any], *names: str) -> dict[str, Any]:
    """The single nested block at ``names`` (blocks parse as one-element lists)."""
    current: Any = body
    for name in names:
        assert name in current, f"missing block {name!r} in {sorted(current)}"
        current = current[name]
        assert isinstance(current, list), f"{name!r} is not a block"
        assert len(current) == 1, f"{name!r} is not one block"
        current = current[0]
    assert isinstance(current, dict)
    return current


def references(value: Any, target: str) -> bool:
    return isinstance(value, str) and target in value


# --------------------------------------------------------------------------------------
# Conventions (terraform-aws-modules style)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_standard_files_exist(configs, name):
    missing = [f for f in STANDARD_FILES if not (configs[name].path / f).is_file()]
    assert not missing, f"{configs[name].path}: missing {missing}"


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_every_variable_is_typed_and_described(configs, name):
    variables = configs[name].variables
    assert variables
    for var_name, body in variables.items():
        assert body.get("type"), f"{name}: variable {var_name} has no type"
        description = body.get("description", "")
        assert isinstance(description, str), f"{name}: variable {var_name}"
        assert len(description) > 10, f"{name}: variable {var_name} has no useful description"


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_every_output_is_described(configs, name):
    outputs = configs[name].outputs
    assert outputs
    for output_name, body in outputs.items():
        assert len(body.get("description", "")) > 10, f"{name}: output {output_name}"


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_versions_are_pinned(configs, name):
    (terraform,) = configs[name].terraform_blocks
    assert re.match(r"^>= ?1\.1[1-9]", terraform["required_version"]), terraform
    (providers,) = terraform["required_providers"]
    assert "aws" in providers
    for provider, spec in providers.items():
        assert spec["source"].startswith("hashicorp/"), provider
        constraint = spec["version"]
        # Either pessimistic (~>) or an explicit upper bound: no surprise major upgrades.
        assert "~>" in constraint or "<" in constraint, f"{name}: {provider} {constraint!r}"


def test_module_calls_are_local_or_version_pinned(staging):
    calls = staging.module_calls
    assert set(calls) == {"network", "msk", "rds"}
    for call_name, body in calls.items():
        source = body["source"]
        assert source.startswith("../../modules/") or body.get("version"), call_name


@pytest.mark.parametrize(
    ("name", "singletons"),
    [
        ("network", ["aws_subnet", "aws_route_table", "aws_route_table_association"]),
        (
            "msk",
            [
                "aws_msk_cluster",
                "aws_msk_configuration",
                "aws_kms_key",
                "aws_kms_alias",
                "aws_security_group",
                "aws_cloudwatch_log_group",
                "aws_vpc_security_group_ingress_rule",
            ],
        ),
        (
            "rds",
            [
                "aws_db_instance",
                "aws_db_parameter_group",
                "aws_db_subnet_group",
                "aws_kms_key",
                "aws_kms_alias",
                "aws_security_group",
                "aws_cloudwatch_log_group",
                "aws_vpc_security_group_ingress_rule",
            ],
        ),
    ],
)
def test_main_resources_are_named_this(configs, name, singletons):
    for type_name in singletons:
        assert list(configs[name].of_type(type_name)) == ["this"], f"{name}: {type_name}"


@pytest.mark.parametrize("name", [*REUSABLE_MODULES, "staging"])
def test_readme_lists_every_input_and_output(configs, name):
    config = configs[name]
    readme = (config.path / "README.md").read_text()
    assert "## Inputs" in readme
    assert "## Outputs" in readme
    for item in [*config.variables, *config.outputs]:
        assert f"`{item}`" in readme, f"{config.path}/README.md does not document {item}"


def test_modules_configure_no_provider(configs):
    for name in REUSABLE_MODULES:
        assert not configs[name].providers, f"{name}: providers belong to the environment"


# --------------------------------------------------------------------------------------
# No open ingress, no public exposure
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_no_open_cidr_anywhere(configs, name):
    text = configs[name].text()
    for cidr in OPEN_CIDRS:
        assert cidr not in text, f"{name}: {cidr} appears in the configuration"


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_security_groups_only_reference_other_security_groups(configs, name):
    config = configs[name]
    assert not config.of_type("aws_security_group_rule"), "use aws_vpc_security_group_*_rule"
    for sg_name, sg in config.of_type("aws_security_group").items():
        assert "ingress" not in sg, f"{name}: inline ingress rules in {sg_name}"
        assert "egress" not in sg, f"{name}: inline egress rules in {sg_name}"
        assert sg.get("description"), f"{name}: security group {sg_name} has no description"
    assert not config.of_type("aws_vpc_security_group_egress_rule"), f"{name}: egress rule"
    for rule_name, rule in config.of_type("aws_vpc_security_group_ingress_rule").items():
        assert not {"cidr_ipv4", "cidr_ipv6", "prefix_list_id"} & set(rule), rule_name
        assert rule.get("referenced_security_group_id"), rule_name
        assert rule.get("description"), rule_name
        assert rule["ip_protocol"] == "tcp", rule_name


@pytest.mark.parametrize("name", ["msk", "rds"])
def test_ingress_comes_from_the_application_security_groups(configs, name):
    config = configs[name]
    variable = config.variables["allowed_security_group_ids"]
    assert variable["type"] == "${list(string)}"
    assert "default" not in variable, "the application's security group must be passed in"
    condition = variable["validation"][0]["condition"]
    assert "length(var.allowed_security_group_ids) > 0" in condition
    assert "^sg-" in condition


def test_msk_ingress_ports_are_tls_sasl_listeners_only(msk):
    port = msk.locals["kafka_port"]
    assert port == "${local.iam ? 9098 : 9096}"
    rules = msk.locals["ingress_rules"]
    assert "var.allowed_security_group_ids" in rules
    ports = set(re.findall(r"(?:from|to)_port = ([^,}]+)", rules))
    assert ports == {"local.kafka_port", "local.monitoring_ports[0]", "local.monitoring_ports[1]"}
    assert msk.locals["monitoring_ports"] == [11001, 11002]


def test_rds_ingress_is_postgres_port_from_allowed_groups(rds):
    rule = rds.resource("aws_vpc_security_group_ingress_rule")
    assert rule["for_each"] == "${toset(var.allowed_security_group_ids)}"
    assert rule["referenced_security_group_id"] == "${each.value}"
    assert rule["from_port"] == rule["to_port"] == "${var.port}"


def test_data_subnets_are_private_and_isolated(network):
    subnet = network.resource("aws_subnet")
    assert subnet["map_public_ip_on_launch"] is False
    route_table = network.resource("aws_route_table")
    assert "route" not in route_table, "data subnets must have no routes beyond local"
    for forbidden in ("aws_route", "aws_internet_gateway", "aws_nat_gateway", "aws_eip"):
        assert not network.of_type(forbidden), forbidden
    assert (
        "length(var.availability_zones) == 3"
        in (network.variables["availability_zones"]["validation"][0]["condition"])
    )


# --------------------------------------------------------------------------------------
# MSK
# --------------------------------------------------------------------------------------


def test_msk_uses_a_kraft_version(msk):
    variable = msk.variables["kafka_version"]
    assert variable["default"].endswith(".kraft")
    assert "kraft" in variable["validation"][0]["condition"]
    assert msk.resource("aws_msk_cluster")["kafka_version"] == "${var.kafka_version}"


def test_msk_brokers_span_three_private_subnets(msk):
    cluster = msk.resource("aws_msk_cluster")
    nodes = block(cluster, "broker_node_group_info")
    assert nodes["client_subnets"] == "${var.subnet_ids}"
    assert (
        "length(var.subnet_ids) == 3" in msk.variables["subnet_ids"]["validation"][0]["condition"]
    )
    assert "% 3 == 0" in msk.variables["number_of_broker_nodes"]["validation"][0]["condition"]
    assert block(nodes, "connectivity_info", "public_access")["type"] == "DISABLED"
    assert nodes["security_groups"] == ["${aws_security_group.this.id}"]


def test_msk_encrypts_in_transit_and_at_rest(msk):
    encryption = block(msk.resource("aws_msk_cluster"), "encryption_info")
    assert references(encryption["encryption_at_rest_kms_key_arn"], "aws_kms_key.this")
    in_transit = block(encryption, "encryption_in_transit")
    assert in_transit == {"client_broker": "TLS", "in_cluster": True}
    assert msk.resource("aws_kms_key")["enable_key_rotation"] is True


def test_msk_requires_iam_or_scram_authentication(msk):
    auth = block(msk.resource("aws_msk_cluster"), "client_authentication")
    assert auth["unauthenticated"] is False
    sasl = block(auth, "sasl")
    assert sasl == {"iam": "${local.iam}", "scram": "${local.scram}"}
    variable = msk.variables["client_authentication"]
    assert variable["default"] == "iam"
    assert 'contains(["iam", "scram"]' in variable["validation"][0]["condition"]


def test_msk_scram_password_never_reaches_the_state(msk):
    secret = msk.resource("aws_secretsmanager_secret", "scram")
    assert secret["name"].startswith("AmazonMSK_")
    assert references(secret["kms_key_id"], "aws_kms_key.this")
    version = msk.resource("aws_secretsmanager_secret_version", "scram")
    assert "secret_string" not in version
    assert "secret_string_wo" in version
    assert "ephemeral.random_password.scram" in version["secret_string_wo"]
    assert ("random_password", "scram") in msk.ephemerals
    assert not msk.of_type("random_password"), "a random_password resource is stored in state"


def test_msk_monitoring_and_logging(msk):
    cluster = msk.resource("aws_msk_cluster")
    prometheus = block(cluster, "open_monitoring", "prometheus")
    assert block(prometheus, "jmx_exporter")["enabled_in_broker"] is True
    assert block(prometheus, "node_exporter")["enabled_in_broker"] is True
    logs = block(cluster, "logging_info", "broker_logs", "cloudwatch_logs")
    assert logs["enabled"] is True
    assert references(logs["log_group"], "aws_cloudwatch_log_group.this")
    log_group = msk.resource("aws_cloudwatch_log_group")
    assert references(log_group["kms_key_id"], "aws_kms_key.this")
    assert log_group["retention_in_days"] == "${var.cloudwatch_log_retention_days}"


def test_msk_configuration_has_safe_topic_defaults(msk):
    properties = msk.locals["server_properties"]
    assert properties["auto.create.topics.enable"] == "false"
    assert properties["default.replication.factor"] == "3"
    assert properties["min.insync.replicas"] == "2"
    assert properties["unclean.leader.election.enable"] == "false"
    configuration = msk.resource("aws_msk_configuration")
    assert "local.server_properties" in configuration["server_properties"]
    info = block(msk.resource("aws_msk_cluster"), "configuration_info")
    assert references(info["arn"], "aws_msk_configuration.this")


# --------------------------------------------------------------------------------------
# RDS
# --------------------------------------------------------------------------------------


def test_rds_is_postgres_16(rds):
    instance = rds.resource("aws_db_instance")
    assert instance["engine"] == "postgres"
    assert rds.default("engine_version").startswith("16")
    assert "^16" in rds.variables["engine_version"]["validation"][0]["condition"]
    assert rds.resource("aws_db_parameter_group")["family"] == "postgres16"


def test_rds_is_private_and_encrypted(rds):
    instance = rds.resource("aws_db_instance")
    assert instance["publicly_accessible"] is False
    assert instance["storage_encrypted"] is True
    assert references(instance["kms_key_id"], "aws_kms_key.this")
    assert references(instance["performance_insights_kms_key_id"], "aws_kms_key.this")
    assert instance["db_subnet_group_name"] == "${aws_db_subnet_group.this.name}"
    assert instance["vpc_security_group_ids"] == ["${aws_security_group.this.id}"]
    assert rds.resource("aws_kms_key")["enable_key_rotation"] is True
    for log_group in rds.of_type("aws_cloudwatch_log_group").values():
        assert references(log_group["kms_key_id"], "aws_kms_key.this")


def test_rds_backups_and_deletion_protection(rds, staging):
    instance = rds.resource("aws_db_instance")
    assert instance["backup_retention_period"] == "${var.backup_retention_period}"
    assert rds.default("backup_retention_period") >= 7
    assert ">= 7" in rds.variables["backup_retention_period"]["validation"][0]["condition"]
    assert instance["deletion_protection"] == "${var.deletion_protection}"
    assert rds.default("deletion_protection") is True
    assert instance["skip_final_snapshot"] is False
    assert instance["copy_tags_to_snapshot"] is True
    assert instance["delete_automated_backups"] is False
    call = staging.module_calls["rds"]
    assert call["deletion_protection"] is True
    assert call["backup_retention_period"] >= 7


def test_rds_master_password_is_managed_by_secrets_manager(rds):
    instance = rds.resource("aws_db_instance")
    assert instance["manage_master_user_password"] is True
    assert references(instance["master_user_secret_kms_key_id"], "aws_kms_key.this")
    assert "password" not in instance
    assert "password_wo" not in instance
    assert "master_user_secret" in rds.outputs["master_user_secret_arn"]["value"]


def test_rds_parameter_group_enforces_tls_and_logs_slow_statements(rds):
    group = rds.resource("aws_db_parameter_group")
    parameters = {p["name"]: p["value"] for p in group["parameter"]}
    assert parameters["rds.force_ssl"] == "1"
    assert parameters["ssl_min_protocol_version"] == "TLSv1.2"
    assert "log_min_duration_statement" in parameters
    assert rds.resource("aws_db_instance")["parameter_group_name"] == (
        "${aws_db_parameter_group.this.name}"
    )


def test_rds_multi_az_is_a_variable(rds, staging):
    assert rds.resource("aws_db_instance")["multi_az"] == "${var.multi_az}"
    assert rds.variables["multi_az"]["type"] == "bool"
    assert staging.module_calls["rds"]["multi_az"] == "${var.db_multi_az}"
    assert staging.variables["db_multi_az"]["type"] == "bool"


# --------------------------------------------------------------------------------------
# Secrets never in the configuration
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_no_literal_secrets(configs, name):
    for (type_name, res_name), body in configs[name].resources.items():
        for key in ("password", "secret_string", "master_password"):
            assert key not in body, f"{name}: {type_name}.{res_name} sets {key}"
    for output_name, body in configs[name].outputs.items():
        assert "password" not in output_name, output_name
        assert body.get("sensitive") is not True or name != "staging", output_name


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_every_checkov_skip_is_justified(configs, name):
    text = configs[name].text()
    for match in re.finditer(r"checkov:skip=([A-Z0-9_]+)(?::(.*))?", text):
        reason = (match.group(2) or "").strip()
        assert len(reason) >= 30, f"{name}: skip of {match.group(1)} without a reason"


# --------------------------------------------------------------------------------------
# Staging environment
# --------------------------------------------------------------------------------------


def test_staging_backend_is_s3_with_locking(staging):
    (terraform,) = staging.terraform_blocks
    (backend,) = terraform["backend"]
    s3 = backend["s3"]
    assert s3["encrypt"] is True
    assert s3.get("use_lockfile") is True or s3.get("dynamodb_table")
    assert s3["key"].startswith("staging/")


def test_staging_provider_is_restricted_and_tags_everything(staging):
    aws = staging.providers["aws"]
    assert aws["allowed_account_ids"] == "${var.allowed_account_ids}"
    assert "default" not in staging.variables["allowed_account_ids"]
    assert "local.tags" in block(aws, "default_tags")["tags"]
    tags = staging.locals["tags"]
    assert "Environment" in tags
    assert "Project" in tags


def test_staging_passes_the_application_security_group_to_both_services(staging):
    for call in ("msk", "rds"):
        assert staging.module_calls[call]["allowed_security_group_ids"] == (
            "${var.application_security_group_ids}"
        )
    assert "default" not in staging.variables["application_security_group_ids"]


def test_staging_outputs_cover_what_the_values_script_reads(staging, staging_values):
    expected = {*staging_values.REQUIRED_OUTPUTS, staging_values.SCRAM_SECRET_OUTPUT}
    missing = expected - set(staging.outputs)
    assert not missing, f"staging outputs missing for the values script: {missing}"
